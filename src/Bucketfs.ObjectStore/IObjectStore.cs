namespace Bucketfs.ObjectStore;

/// <summary>
/// A bucket (or a prefix of one) of an object store, as the filesystem needs it. Every call is
/// bounded in time by the implementation and honours <paramref name="cancellation"/>; failures
/// surface as <see cref="ObjectStoreException"/> with a <see cref="StoreError"/> a caller can map to an errno.
/// </summary>
public interface IObjectStore
{
    /// <summary>The bucket and prefix, for logs and messages.</summary>
    string Description { get; }

    /// <summary>The longest key (relative to the prefix) and largest object the store takes.</summary>
    StoreLimits Limits => StoreLimits.S3;

    /// <summary>One page of keys under <paramref name="prefix"/>, grouped at <paramref name="delimiter"/> when given.</summary>
    Task<ListPage> ListAsync(string prefix, string? delimiter, string? continuation, int maxKeys, CancellationToken cancellation);

    /// <summary>
    /// The page of that listing that begins with the first entry sorting after
    /// <paramref name="startAfter"/> (a key, relative as <paramref name="prefix"/> is), so a
    /// listing can be entered in its middle; its continuation goes on to <see cref="ListAsync"/>.
    /// </summary>
    Task<ListPage> ListAfterAsync(string prefix, string? delimiter, string startAfter, int maxKeys, CancellationToken cancellation);

    /// <summary>Metadata of one object, or null when there is none.</summary>
    Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellation);

    /// <summary>
    /// Reads bytes [offset, offset + destination.Length) into <paramref name="destination"/>, fewer
    /// only at the end of the object. With <paramref name="ifMatch"/>, fails with
    /// <see cref="StoreError.PreconditionFailed"/> if the object is no longer that version.
    /// </summary>
    Task<int> ReadAsync(string key, long offset, Memory<byte> destination, string? ifMatch, CancellationToken cancellation);

    /// <summary>
    /// Reads a whole object of a known version, <paramref name="destination"/>.Length bytes long.
    /// The same as <see cref="ReadAsync"/> from 0, but a store may serve it cheaper: radosgw reads a
    /// small object with its attributes in one operation for a GET without Range, and needs a
    /// second one for a ranged GET (measured: 2 object-store operations per ranged GET against 1).
    /// </summary>
    Task<int> ReadWholeAsync(string key, Memory<byte> destination, string ifMatch, CancellationToken cancellation) =>
        ReadAsync(key, 0, destination, ifMatch, cancellation);

    /// <summary>
    /// What a HEAD and a read of the whole object would give, in one request: the object's
    /// description and its body in <paramref name="destination"/>, which the caller sizes for the
    /// whole object as it last saw it; of an object that has grown beyond that, the first bytes.
    /// Null when there is no object.
    /// </summary>
    Task<ObjectStart?> HeadAndReadAsync(string key, Memory<byte> destination, CancellationToken cancellation) =>
        HeadThenReadAsync(this, key, destination, cancellation);

    /// <summary>
    /// The object's description and its first <paramref name="destination"/>.Length bytes (all of
    /// it if shorter), for an object whose size is not known yet. A store may answer with one
    /// ranged GET what otherwise takes a HEAD and a GET. Null when there is no object.
    /// </summary>
    Task<ObjectStart?> ReadFirstAsync(string key, Memory<byte> destination, CancellationToken cancellation) =>
        HeadThenReadAsync(this, key, destination, cancellation);

    /// <summary>A HEAD, then a read of the version it found: what a store without a one-request form does.</summary>
    private static async Task<ObjectStart?> HeadThenReadAsync(IObjectStore store, string key, Memory<byte> destination, CancellationToken cancellation)
    {
        if (await store.HeadAsync(key, cancellation).ConfigureAwait(false) is not { } info) return null;
        int read = await store.ReadAsync(key, 0, destination[..(int)Math.Min(destination.Length, info.Size)], info.ETag, cancellation).ConfigureAwait(false);
        return new ObjectStart(info, read);
    }

    /// <summary>Stores a whole object in one request.</summary>
    Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, ObjectAttributes attributes, CancellationToken cancellation);

    /// <summary>Server-side copy; with <paramref name="attributes"/> the copy gets those instead of the source's metadata (copying onto itself changes metadata only).</summary>
    Task<string> CopyAsync(string sourceKey, string destinationKey, ObjectAttributes? attributes, string? ifMatch, CancellationToken cancellation);

    Task DeleteAsync(string key, CancellationToken cancellation);

    Task<string> StartUploadAsync(string key, ObjectAttributes attributes, CancellationToken cancellation);

    Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellation);

    /// <summary>Part <paramref name="partNumber"/> copied server-side from a byte range of an existing object.</summary>
    Task<UploadedPart> CopyPartAsync(string key, string uploadId, int partNumber, string sourceKey, long offset, long length, string? ifMatch, CancellationToken cancellation);

    Task<string> CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellation);

    Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellation);
}

/// <summary>An object as listings and HEAD describe it. Keys are relative to the store's prefix.</summary>
public sealed record ObjectInfo(string Key, long Size, string ETag, DateTimeOffset LastModified)
{
    /// <summary>x-amz-meta-* headers without the prefix, lower-case names; empty when the source (a listing) does not carry them.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata;

    /// <summary>The Content-Type HEAD and GET answer with; null from a listing, which does not carry it.</summary>
    public string? ContentType { get; init; }

    public static readonly IReadOnlyDictionary<string, string> EmptyMetadata = new Dictionary<string, string>();
}

/// <summary>An object's description and how many of its first bytes were read with it.</summary>
public sealed record ObjectStart(ObjectInfo Info, int Read);

public sealed record ListPage(IReadOnlyList<ObjectInfo> Objects, IReadOnlyList<string> CommonPrefixes, string? Continuation);

/// <summary>What a write sets besides the bytes.</summary>
public sealed record ObjectAttributes(IReadOnlyDictionary<string, string> Metadata, string? ContentType = null)
{
    public static readonly ObjectAttributes None = new(ObjectInfo.EmptyMetadata);
}

public sealed record UploadedPart(int PartNumber, string ETag);
