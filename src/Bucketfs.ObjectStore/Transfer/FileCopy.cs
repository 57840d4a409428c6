using System.Buffers;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// Copies one file: in one request up to the chunk size, else in parts moved in parallel. Every
/// piece is checked against the MD5 the other side states for it: a single object's ETag as read
/// and as written, each part's ETag as uploaded (a multipart object's own ETag is not an MD5).
/// </summary>
internal sealed class FileCopy(ITransferSide source, ITransferSide destination, TransferOptions options, ByteBudget budget, TransferProgress progress)
{
    /// <summary>S3's most parts in one upload.</summary>
    private const int MaxParts = 10_000;

    public Task CopyAsync(TransferEntry entry, ActiveTransfer active, CancellationToken cancellation) =>
        entry.Size <= options.ChunkSize ? CopyWholeAsync(entry, active, cancellation) : CopyInPartsAsync(entry, active, cancellation);

    private async Task CopyWholeAsync(TransferEntry entry, ActiveTransfer active, CancellationToken cancellation)
    {
        int size = (int)entry.Size;
        using var lease = await budget.TakeAsync(size, cancellation).ConfigureAwait(false);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var content = buffer.AsMemory(0, size);
            TransferEntry opened;
            await using (var reader = await source.OpenAsync(entry, content, cancellation).ConfigureAwait(false)) opened = reader.Entry;
            string md5 = ContentHash.Md5(content.Span);
            ContentHash.Check(opened.ETag, md5, $"reading from {source.Description}");
            string? etag = await destination.WriteAsync(entry.Key, content, opened, cancellation).ConfigureAwait(false);
            ContentHash.Check(etag, md5, $"writing to {destination.Description}");
            Moved(active, size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task CopyInPartsAsync(TransferEntry entry, ActiveTransfer active, CancellationToken cancellation)
    {
        long partSize = Math.Max(options.ChunkSize, (entry.Size + MaxParts - 1) / MaxParts);
        int parts = (int)((entry.Size + partSize - 1) / partSize);
        await using var reader = await source.OpenAsync(entry, Memory<byte>.Empty, cancellation).ConfigureAwait(false);
        await using var writer = await destination.StartAsync(entry.Key, reader.Entry, cancellation).ConfigureAwait(false);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Streams, CancellationToken = cancellation };
        await Parallel.ForEachAsync(Enumerable.Range(1, parts), parallel, async (number, token) =>
        {
            long offset = (number - 1) * partSize;
            int length = (int)Math.Min(partSize, entry.Size - offset);
            using var lease = await budget.TakeAsync(length, token).ConfigureAwait(false);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                var part = buffer.AsMemory(0, length);
                await reader.ReadAsync(offset, part, token).ConfigureAwait(false);
                string md5 = ContentHash.Md5(part.Span);
                string? etag = await writer.WritePartAsync(number, offset, part, token).ConfigureAwait(false);
                ContentHash.Check(etag, md5, $"writing part {number} to {destination.Description}");
                Moved(active, length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }).ConfigureAwait(false);
        await writer.CompleteAsync(cancellation).ConfigureAwait(false);
    }

    private void Moved(ActiveTransfer active, long bytes)
    {
        active.Moved(bytes);
        progress.Moved(bytes);
    }
}
