using Bucketfs.ObjectStore;

namespace Bucketfs.Testing;

/// <summary>
/// A whole bucket in memory that answers every <see cref="IObjectStore"/> call as radosgw's S3 API
/// does (ETags, conditions, listings, multipart rules, the same <see cref="StoreError"/> kinds as
/// the S3 store), with hooks for tests to fail, delay and hold calls and to change objects behind
/// the filesystem's back. Thread-safe.
/// </summary>
public sealed partial class MemoryObjectStore(TimeProvider? time = null) : IObjectStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly SortedList<string, StoredObject> _objects = new(StringComparer.Ordinal);

    public string Description => "memory";

    /// <summary>Stores an object as another client would: no hooks, no counts. Returns its ETag.</summary>
    public string PutDirect(string key, ReadOnlySpan<byte> content, IReadOnlyDictionary<string, string>? metadata = null, string? contentType = null)
    {
        var stored = New(content.ToArray(), ETags.Of(content), metadata ?? ObjectInfo.EmptyMetadata, contentType);
        lock (_lock) _objects[key] = stored;
        return stored.ETag;
    }

    /// <summary>Deletes an object as another client would: no hooks, no counts.</summary>
    public void DeleteDirect(string key)
    {
        lock (_lock) _objects.Remove(key);
    }

    /// <summary>The object stored under <paramref name="key"/> now, or null.</summary>
    public StoredObject? Find(string key)
    {
        lock (_lock) return _objects.GetValueOrDefault(key);
    }

    /// <summary>Every object, by key in ordinal order, for comparing a whole tree at once.</summary>
    public IReadOnlyDictionary<string, StoredObject> Snapshot()
    {
        lock (_lock) return new SortedDictionary<string, StoredObject>(_objects, StringComparer.Ordinal);
    }

    public async Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellation)
    {
        await Enter(StoreOperation.Head, cancellation).ConfigureAwait(false);
        RefuseLongKey(key);
        return Find(key) is { } stored ? Describe(key, stored) : null;
    }

    public async Task<int> ReadAsync(string key, long offset, Memory<byte> destination, string? ifMatch, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        await Enter(StoreOperation.Read, cancellation).ConfigureAwait(false);
        // Like the S3 store, which sends no request for nothing.
        if (destination.Length == 0) return 0;
        Record(key, offset, destination.Length);
        var content = Existing(key, ifMatch).Content;
        // Past the end S3 answers 416, which the S3 store reads as no bytes.
        if (offset >= content.Length) return 0;
        int n = (int)Math.Min(destination.Length, content.Length - offset);
        content.Slice((int)offset, n).CopyTo(destination);
        return n;
    }

    public async Task<int> ReadWholeAsync(string key, Memory<byte> destination, string ifMatch, CancellationToken cancellation)
    {
        await Enter(StoreOperation.ReadWhole, cancellation).ConfigureAwait(false);
        Record(key, 0, destination.Length);
        var content = Existing(key, ifMatch).Content;
        // The S3 store refuses an answer of another length than the version asked for.
        if (content.Length != destination.Length)
            throw new ObjectStoreException(StoreError.Unavailable, $"bad answer: {key} has {content.Length} bytes, {destination.Length} expected");
        content.CopyTo(destination);
        return content.Length;
    }

    /// <summary>Atomic, as the one GET of the S3 store is: the description and the bytes are of one version.</summary>
    public async Task<ObjectStart?> HeadAndReadAsync(string key, Memory<byte> destination, CancellationToken cancellation)
    {
        await Enter(StoreOperation.HeadAndRead, cancellation).ConfigureAwait(false);
        Record(key, 0, destination.Length);
        if (Find(key) is not { } stored) return null;
        int n = Math.Min(destination.Length, stored.Content.Length);
        stored.Content[..n].CopyTo(destination);
        return new ObjectStart(Describe(key, stored), n);
    }

    /// <summary>S3's ranged GET from 0: one request, counted as <see cref="StoreOperation.HeadAndRead"/>.</summary>
    public Task<ObjectStart?> ReadFirstAsync(string key, Memory<byte> destination, CancellationToken cancellation) =>
        HeadAndReadAsync(key, destination, cancellation);

    public async Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, ObjectAttributes attributes, CancellationToken cancellation)
    {
        await Enter(StoreOperation.Put, cancellation).ConfigureAwait(false);
        RefuseLongKey(key);
        return PutDirect(key, content.Span, attributes.Metadata, attributes.ContentType);
    }

    /// <summary>
    /// The copy keeps the source's ETag, as radosgw does (a multipart source's "-N" one too).
    /// Onto itself without new attributes S3 refuses it (InvalidRequest, 400).
    /// </summary>
    public async Task<string> CopyAsync(string sourceKey, string destinationKey, ObjectAttributes? attributes, string? ifMatch, CancellationToken cancellation)
    {
        await Enter(StoreOperation.Copy, cancellation).ConfigureAwait(false);
        lock (_lock)
        {
            var source = Existing(sourceKey, ifMatch);
            if (sourceKey == destinationKey && attributes is null)
                throw new ObjectStoreException(StoreError.Rejected, $"copy {sourceKey} onto itself without changing its metadata");
            var copy = attributes is null
                ? source with { LastModified = Now() }
                : New(source.Content, source.ETag, attributes.Metadata, attributes.ContentType);
            _objects[destinationKey] = copy;
            return copy.ETag;
        }
    }

    /// <summary>Deleting a key that does not exist succeeds, as in S3.</summary>
    public async Task DeleteAsync(string key, CancellationToken cancellation)
    {
        await Enter(StoreOperation.Delete, cancellation).ConfigureAwait(false);
        RefuseLongKey(key);
        DeleteDirect(key);
    }

    /// <summary>As S3 stores answer a key longer than they take: HTTP 400, whatever the request.</summary>
    private void RefuseLongKey(string key)
    {
        if (!((IObjectStore)this).Limits.KeyFits(key)) throw new ObjectStoreException(StoreError.Rejected, $"{key}: key longer than {((IObjectStore)this).Limits.KeyBytes} bytes");
    }

    /// <summary>The object, checked against <paramref name="ifMatch"/>: NoSuchKey and 412 as the S3 store maps them.</summary>
    private StoredObject Existing(string key, string? ifMatch)
    {
        var stored = Find(key) ?? throw new ObjectStoreException(StoreError.NotFound, $"{key}: NoSuchKey");
        if (!ETags.Matches(ifMatch, stored.ETag))
            throw new ObjectStoreException(StoreError.PreconditionFailed, $"{key} is {stored.ETag}, not {ifMatch}");
        return stored;
    }

    private StoredObject New(ReadOnlyMemory<byte> content, string etag, IReadOnlyDictionary<string, string> metadata, string? contentType) =>
        new(content, etag, Normalized(metadata), contentType, Now());

    /// <summary>x-amz-meta-* names as S3 gives them back: lower-case, looked up ignoring case as the S3 store's are.</summary>
    private static Dictionary<string, string> Normalized(IReadOnlyDictionary<string, string> metadata) =>
        metadata.ToDictionary(m => m.Key.ToLowerInvariant(), m => m.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>In whole seconds, as the S3 store reports every time.</summary>
    private DateTimeOffset Now()
    {
        long ticks = _time.GetUtcNow().UtcTicks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    private static ObjectInfo Describe(string key, StoredObject stored) =>
        new(key, stored.Content.Length, stored.ETag, stored.LastModified) { Metadata = stored.Metadata, ContentType = stored.ContentType };
}
