using Bucketfs.Core.Metadata;
using Bucketfs.Core.Read;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Write;

/// <summary>
/// Puts a staged file into the bucket: one PUT when small, otherwise a multipart upload whose
/// parts go up in parallel, with parts the change left untouched copied server-side from the base
/// version (UploadPartCopy) instead of sent again. Part sizes grow with the file so 10,000 parts
/// reach 5 TiB.
/// </summary>
internal sealed class Uploader(IObjectStore store, UploadTuning tuning, IReadOnlyDictionary<string, string> contentTypes, MemoryLimiter memory, ILogger log)
{
    private const long MinPartSize = 5L << 20;
    private const int MaxParts = 10_000;

    /// <summary>Uploads the file's current content; the caller holds its gate. Returns what the bucket now has.</summary>
    public async Task<ObjectInfo> UploadAsync(StagedFile file, CancellationToken cancellation)
    {
        string key = file.Key;
        long size = file.Size;
        var attributes = new ObjectAttributes(file.Manifest.Metadata, MimeTypes.For(key, contentTypes));
        string etag;
        if (file.Stream is { Active: true } stream)
        {
            etag = await stream.FinishAsync(cancellation).ConfigureAwait(false) ?? "";
        }
        else if (size <= tuning.SinglePutLimit)
        {
            await file.FetchAsync(store, 0, size, cancellation).ConfigureAwait(false);
            using var content = UploadBuffer.Rent(memory, (int)size);
            file.ReadLocal(0, content.Span);
            etag = await store.PutAsync(key, content.Memory, attributes, cancellation).ConfigureAwait(false);
        }
        else
        {
            etag = await MultipartAsync(file, key, size, attributes, cancellation).ConfigureAwait(false);
        }
        // Some stores (Ceph) answer a completed multipart upload without an ETag: ask for it.
        var info = etag.Length > 0
            ? new ObjectInfo(key, size, etag, DateTimeOffset.UtcNow)
            : await store.HeadAsync(key, cancellation).ConfigureAwait(false) ?? throw new ObjectStoreException(StoreError.NotFound, $"{key} vanished right after its upload");
        // Later changes modify this version: they go up through the normal path.
        file.Stream = null;
        file.Uploaded(info.ETag, size);
        return info;
    }

    public static long PartSize(long size) => Math.Max(8L << 20, (size + MaxParts - 1) / MaxParts + (1 << 20) - 1 >> 20 << 20);

    private async Task<string> MultipartAsync(StagedFile file, string key, long size, ObjectAttributes attributes, CancellationToken cancellation)
    {
        long partSize = PartSize(size);
        int count = (int)((size + partSize - 1) / partSize);
        var ranges = Enumerable.Range(0, count).Select(i => (Number: i + 1, Start: i * partSize, End: Math.Min(size, (i + 1) * partSize))).ToList();
        // A copied part must be at least 5 MiB unless it is the last one.
        bool Copyable((int Number, long Start, long End) p) =>
            (p.End - p.Start >= MinPartSize || p.End == size) && file.IsUnchangedBase(p.Start, p.End);
        foreach (var part in ranges.Where(p => !Copyable(p)))
            await file.FetchAsync(store, part.Start, part.End, cancellation).ConfigureAwait(false);

        string uploadId = await store.StartUploadAsync(key, attributes, cancellation).ConfigureAwait(false);
        if (!file.UploadStarted(key, uploadId)) log.UploadNotRecorded(key);
        try
        {
            var parts = new UploadedPart[count];
            string? baseETag = file.Manifest.BaseETag;
            int parallelism = (int)Math.Clamp(tuning.PartMemory / partSize, 1, tuning.Parallelism);
            await Parallel.ForEachAsync(ranges, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellation }, async (part, token) =>
            {
                if (Copyable(part))
                {
                    parts[part.Number - 1] = await store.CopyPartAsync(key, uploadId, part.Number, key, part.Start, part.End - part.Start, baseETag, token).ConfigureAwait(false);
                    return;
                }
                using var buffer = UploadBuffer.Rent(memory, (int)(part.End - part.Start));
                file.ReadLocal(part.Start, buffer.Span);
                parts[part.Number - 1] = await store.UploadPartAsync(key, uploadId, part.Number, buffer.Memory, token).ConfigureAwait(false);
            }).ConfigureAwait(false);
            string etag = await store.CompleteUploadAsync(key, uploadId, parts, cancellation).ConfigureAwait(false);
            file.UploadEnded(uploadId);
            return etag;
        }
        catch
        {
            try
            {
                await store.AbortUploadAsync(key, uploadId, CancellationToken.None).ConfigureAwait(false);
                file.UploadEnded(uploadId);
            }
            catch (ObjectStoreException e)
            {
                log.AbortFailedUploadFailed(key, e.Message);
            }
            throw;
        }
    }
}
