using Bucketfs.Core.Metadata;
using Bucketfs.Core.Read;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Write;

/// <summary>
/// A file written from the start in order goes up while it is written: each full part is sent as
/// soon as it is complete, so close() only sends the tail and completes the upload. Part sizes
/// grow (8 MiB for the first thousand parts, doubling every thousand after) so 10,000 parts hold
/// 5 TiB. A write or truncate behind what was sent abandons the stream; the file then goes up
/// whole at close().
/// </summary>
internal sealed class StreamingUpload(IObjectStore store, StagedFile file, UploadTuning tuning, IReadOnlyDictionary<string, string> contentTypes, MemoryLimiter memory, ILogger log)
{
    private readonly List<Task<UploadedPart>> _parts = [];
    private Task<string>? _uploadId;
    private long _sent;
    private bool _abandoned;

    public bool Active => _uploadId != null && !_abandoned;

    public bool Abandoned => _abandoned;

    private long PartSizeOf(int partNumber) => tuning.FirstStreamedPart << Math.Min((partNumber - 1) / 1000, 10);

    /// <summary>After a write (under the file's gate): sends every part that is now complete.</summary>
    public async Task AdvanceAsync(CancellationToken cancellation)
    {
        if (_abandoned || !file.IsWrittenFromStart) return;
        while (file.Size > tuning.SinglePutLimit && file.Size - _sent >= PartSizeOf(_parts.Count + 1))
        {
            // Bounded memory: wait for the oldest part before starting one past the limit.
            int inFlight = _parts.Count(p => !p.IsCompleted);
            if (inFlight >= tuning.Parallelism) await Task.WhenAny(_parts.Where(p => !p.IsCompleted)).ConfigureAwait(false);
            _uploadId ??= StartAsync();
            int number = _parts.Count + 1;
            long size = PartSizeOf(number);
            _parts.Add(SendPart(number, _sent, (int)size));
            _sent += size;
        }
        cancellation.ThrowIfCancellationRequested();
    }

    private async Task<string> StartAsync()
    {
        string uploadId = await store.StartUploadAsync(file.Key, new ObjectAttributes(file.Manifest.Metadata, MimeTypes.For(file.Key, contentTypes)), CancellationToken.None).ConfigureAwait(false);
        if (!file.UploadStarted(file.Key, uploadId)) log.UploadNotRecorded(file.Key);
        return uploadId;
    }

    /// <summary>A change at <paramref name="offset"/>: anything already sent at or after it is no longer the file.</summary>
    public void Changed(long offset)
    {
        if (_uploadId is null || _abandoned || offset >= _sent) return;
        _abandoned = true;
        _ = AbortAsync();
    }

    /// <summary>At close or fsync: sends the tail and completes; null when there is no stream (the caller uploads normally).</summary>
    public async Task<string?> FinishAsync(CancellationToken cancellation)
    {
        if (!Active) return null;
        try
        {
            if (file.Size > _sent) _parts.Add(SendPart(_parts.Count + 1, _sent, (int)(file.Size - _sent)));
            var parts = await Task.WhenAll(_parts).ConfigureAwait(false);
            string uploadId = await _uploadId!.ConfigureAwait(false);
            string etag = await store.CompleteUploadAsync(file.Key, uploadId, parts, cancellation).ConfigureAwait(false);
            file.UploadEnded(uploadId);
            return etag;
        }
        catch
        {
            _abandoned = true;
            await AbortAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<UploadedPart> SendPart(int number, long offset, int length)
    {
        string uploadId = await _uploadId!.ConfigureAwait(false);
        using var buffer = UploadBuffer.Rent(memory, length);
        file.ReadLocal(offset, buffer.Span);
        return await store.UploadPartAsync(file.Key, uploadId, number, buffer.Memory, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task AbortAsync()
    {
        if (_uploadId is null) return;
        try
        {
            await Task.WhenAll(_parts.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            string uploadId = await _uploadId.ConfigureAwait(false);
            await store.AbortUploadAsync(file.Key, uploadId, CancellationToken.None).ConfigureAwait(false);
            file.UploadEnded(uploadId);
        }
        catch (ObjectStoreException e)
        {
            log.AbandonStreamedUploadFailed(file.Key, e.Message);
        }
    }
}
