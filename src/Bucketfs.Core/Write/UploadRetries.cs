using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Write;

/// <summary>
/// Closed files whose upload failed: each is tried again in the background, with back-off, until
/// it is in the bucket or the mount ends; at the end, once more for a bounded time, and what is
/// still not stored is named. A failed close() is otherwise left to a later mount of the same bucket.
/// </summary>
internal sealed class UploadRetries(TimeProvider time, UploadTuning tuning, ILogger log)
{
    private readonly ConcurrentDictionary<ulong, Pending> _pending = new();
    private readonly CancellationTokenSource _stop = new();

    /// <summary>A file still to upload. <see cref="Attempt"/> uploads it and says whether nothing is left to do.</summary>
    private sealed class Pending(StagedFile file, Func<Task<bool>> attempt)
    {
        public StagedFile File { get; } = file;
        public Func<Task<bool>> Attempt { get; } = attempt;
        public Task Loop { get; set; } = Task.CompletedTask;
    }

    public int Count => _pending.Count;

    /// <summary>The files pending now, as "KEY (kept in PATH)".</summary>
    public IReadOnlyList<string> Files => [.. _pending.Values.Select(p => p.File.Described)];

    /// <summary>Starts retrying the upload of <paramref name="file"/> (once per file: a second call while it is pending changes nothing).</summary>
    public void Add(ulong id, StagedFile file, Func<Task<bool>> attempt)
    {
        var pending = new Pending(file, attempt);
        if (_stop.IsCancellationRequested || !_pending.TryAdd(id, pending)) return;
        log.UploadPending(file.Key, file.DataPath);
        pending.Loop = RetryAsync(id, pending);
    }

    private async Task RetryAsync(ulong id, Pending pending)
    {
        var delay = tuning.FirstRetryDelay;
        try
        {
            while (true)
            {
                await Task.Delay(delay, time, _stop.Token).ConfigureAwait(false);
                if (await TryAsync(pending).ConfigureAwait(false)) break;
                delay = delay * 2 < tuning.LongestRetryDelay ? delay * 2 : tuning.LongestRetryDelay;
            }
            _pending.TryRemove(id, out _);
            if (!pending.File.Dirty) log.UploadedLater(pending.File.Key);
        }
        catch (OperationCanceledException)
        {
            // The mount is ending: FinishAsync takes over.
        }
    }

    /// <summary>
    /// At the end of the mount: stops the background retries, then keeps trying every pending file
    /// for at most <paramref name="bound"/>; returns the files still not in the bucket.
    /// </summary>
    public async Task<IReadOnlyList<StagedFile>> FinishAsync(TimeSpan bound)
    {
        _stop.Cancel();
        foreach (var pending in _pending.Values) await pending.Loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        long started = time.GetTimestamp();
        var delay = tuning.FirstRetryDelay;
        while (!_pending.IsEmpty)
        {
            foreach (var (id, pending) in _pending)
                if (await TryAsync(pending).ConfigureAwait(false)) _pending.TryRemove(id, out _);
            if (_pending.IsEmpty || time.GetElapsedTime(started) + delay > bound) break;
            await Task.Delay(delay, time).ConfigureAwait(false);
            delay = delay * 2 < tuning.LongestRetryDelay ? delay * 2 : tuning.LongestRetryDelay;
        }
        return [.. _pending.Values.Select(p => p.File)];
    }

    /// <summary>One attempt; a failure other than the store's (a local disk error) is logged and counts as not done.</summary>
    private async Task<bool> TryAsync(Pending pending)
    {
        try
        {
            return await pending.Attempt().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.UploadRetryFailed(e, pending.File.Key);
            return false;
        }
    }
}
