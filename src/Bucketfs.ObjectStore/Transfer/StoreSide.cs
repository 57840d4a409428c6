using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Bucketfs.ObjectStore.Metadata;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// A bucket and prefix of a store. Written objects carry the source's time, mode and owner in
/// s3fs's x-amz-meta-mtime, -mode, -uid and -gid (a mount shows them as the file's), a store
/// source's other metadata, and a Content-Type from the source, else from the name's extension.
/// Folders are "dir/" markers and links objects whose body is the target, as s3fs and the mount
/// write them; s3fs's older "dir_$folder$" markers are left out.
/// </summary>
public sealed class StoreSide(IObjectStore store) : ITransferSide
{
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(30);

    public string Description => store.Description;

    public IObjectStore Store => store;

    public async IAsyncEnumerable<TransferEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellation)
    {
        await foreach (var item in store.AllAsync("", cancellation).ConfigureAwait(false))
        {
            if (item.Key.Length == 0 || item.Key.EndsWith(OldFolderSuffix, StringComparison.Ordinal)) continue;
            yield return new TransferEntry(item.Key, item.Size, item.LastModified, item.ETag) { ModifiedIsExact = false };
        }
    }

    private const string OldFolderSuffix = "_$folder$";

    public async Task<TransferEntry?> StatAsync(string key, CancellationToken cancellation) =>
        await store.HeadAsync(key, cancellation).ConfigureAwait(false) is { } info ? Exact(info) : null;

    /// <summary>An entry from a HEAD or GET: the s3fs mtime where there is one, else Last-Modified.</summary>
    private static TransferEntry Exact(ObjectInfo info) =>
        new(info.Key, info.Size, S3fsHeaders.Time(info.Metadata, S3fsHeaders.Mtime) ?? info.LastModified, info.ETag)
        {
            Mode = S3fsHeaders.Number(info.Metadata, S3fsHeaders.Mode),
            Uid = S3fsHeaders.Number(info.Metadata, S3fsHeaders.Uid),
            Gid = S3fsHeaders.Number(info.Metadata, S3fsHeaders.Gid),
            Metadata = info.Metadata,
            ContentType = info.ContentType,
        };

    /// <summary>The ETag, where it is the MD5 of the bytes (not of a multipart upload's parts).</summary>
    public Task<string?> HashAsync(TransferEntry entry, CancellationToken cancellation) => Task.FromResult(ContentHash.Md5OfETag(entry.ETag));

    public async Task<ISourceReader> OpenAsync(TransferEntry entry, Memory<byte> start, CancellationToken cancellation)
    {
        ObjectInfo? info;
        int read = 0;
        if (entry.Size <= start.Length)
        {
            // One GET answers both the metadata and the bytes of a small object.
            var answer = await store.HeadAndReadAsync(entry.Key, start[..(int)entry.Size], cancellation).ConfigureAwait(false);
            info = answer?.Info;
            read = answer?.Read ?? 0;
        }
        else
        {
            info = await store.HeadAsync(entry.Key, cancellation).ConfigureAwait(false);
        }
        if (info is null) throw new ObjectStoreException(StoreError.NotFound, $"{entry.Key} was deleted while being copied");
        if (info.Size != entry.Size) throw new ObjectStoreException(StoreError.PreconditionFailed, $"{entry.Key} changed while being copied ({entry.Size} bytes listed, {info.Size} now)");
        var reader = new StoreReader(store, Exact(info), (int)Math.Min(start.Length, entry.Size));
        if (read < reader.StartLength) await reader.ReadAsync(read, start[read..reader.StartLength], cancellation).ConfigureAwait(false);
        return reader;
    }

    public async Task<string?> WriteAsync(string key, ReadOnlyMemory<byte> content, TransferEntry source, CancellationToken cancellation) =>
        await store.PutAsync(key, content, Attributes(key, source), cancellation).ConfigureAwait(false);

    public async Task<IPartWriter> StartAsync(string key, TransferEntry source, CancellationToken cancellation) =>
        new StoreWriter(store, key, await store.StartUploadAsync(key, Attributes(key, source), cancellation).ConfigureAwait(false));

    public Task DeleteAsync(string key, CancellationToken cancellation) => store.DeleteAsync(key, cancellation);

    public Task FinishAsync(CancellationToken cancellation) => Task.CompletedTask;

    /// <summary>A store source's metadata, with the source's time, mode and owner as s3fs keeps them.</summary>
    private static ObjectAttributes Attributes(string key, TransferEntry source)
    {
        var metadata = new Dictionary<string, string>(source.Metadata, StringComparer.OrdinalIgnoreCase)
        {
            [S3fsHeaders.Mtime] = S3fsHeaders.FormatTime(source.Modified),
        };
        void Number(string name, uint? value)
        {
            if (value is { } known) metadata[name] = known.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        Number(S3fsHeaders.Mode, source.Mode);
        Number(S3fsHeaders.Uid, source.Uid);
        Number(S3fsHeaders.Gid, source.Gid);
        return new ObjectAttributes(metadata, source.ContentType ?? (source.IsFolder ? S3fsHeaders.DirectoryContentType : MimeTypes.For(key)));
    }

    private sealed class StoreReader(IObjectStore store, TransferEntry entry, int startLength) : ISourceReader
    {
        public TransferEntry Entry => entry;

        public int StartLength => startLength;

        public async Task ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellation)
        {
            // If-Match: a part of another version of the object fails rather than mixing versions.
            int read = await store.ReadAsync(entry.Key, offset, destination, entry.ETag, cancellation).ConfigureAwait(false);
            if (read != destination.Length) throw new ObjectStoreException(StoreError.PreconditionFailed, $"{entry.Key} ended after {offset + read} bytes: it changed while being copied");
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class StoreWriter(IObjectStore store, string key, string uploadId) : IPartWriter
    {
        private readonly ConcurrentDictionary<int, UploadedPart> _parts = new();
        private bool _completed;

        public async Task<string?> WritePartAsync(int number, long offset, ReadOnlyMemory<byte> content, CancellationToken cancellation)
        {
            var part = await store.UploadPartAsync(key, uploadId, number, content, cancellation).ConfigureAwait(false);
            _parts[number] = part;
            return part.ETag;
        }

        public async Task CompleteAsync(CancellationToken cancellation)
        {
            await store.CompleteUploadAsync(key, uploadId, _parts.Values.OrderBy(p => p.PartNumber).ToList(), cancellation).ConfigureAwait(false);
            _completed = true;
        }

        /// <summary>An upload never completed is aborted, so the store does not keep its parts (bounded: the copy may be ending).</summary>
        public async ValueTask DisposeAsync()
        {
            if (_completed) return;
            using var bound = new CancellationTokenSource(AbortTimeout);
            try
            {
                await store.AbortUploadAsync(key, uploadId, bound.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectStoreException or OperationCanceledException)
            {
                // The store removes abandoned uploads by its own lifecycle rules; nothing of it is visible.
            }
        }
    }
}
