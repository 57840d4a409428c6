using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Write;

/// <summary>
/// Keeps the times a directory shows after this mount created, removed or renamed entries in it
/// (see DirectoryShape) in its "dir/" marker too, so other mounts and s3fs see them (s3fs 1.92+
/// does the same with update_parent_dir_stat). A burst of changes in one directory, such as an
/// archive unpacked into it, becomes one copy of the marker onto itself a moment after the first
/// change. The store step leaves a directory without a marker as it is: making one per directory
/// would add objects s3fs does not. Past <see cref="MarkerTimesTuning.MostPending"/> directories
/// waiting, the times of the others stay in the mount only.
/// </summary>
internal sealed class MarkerTimes(Func<string, CancellationToken, Task> store, MarkerTimesTuning tuning, TimeProvider time, ILogger log)
{
    // Directories waiting, by path, not node: the kernel may forget a node while its directory waits.
    private readonly ConcurrentDictionary<string, bool> _waiting = new(StringComparer.Ordinal);
    // Every round not yet done, waiting or storing, for the end of the mount.
    private readonly ConcurrentDictionary<Task, bool> _rounds = new();
    // Cancelled when the mount ends: waiting directories are stored at once.
    private readonly CancellationTokenSource _now = new();

    /// <summary>This mount created, removed or renamed an entry of the directory at <paramref name="path"/> (the mount's root has no marker of its own).</summary>
    public void Changed(string path)
    {
        if (path.Length == 0 || _waiting.Count >= tuning.MostPending || !_waiting.TryAdd(path, true)) return;
        var round = StoreSoonAsync(path);
        _rounds.TryAdd(round, true);
        // Registered after the add, so a round done at once is still removed.
        round.ContinueWith(static (done, rounds) => ((ConcurrentDictionary<Task, bool>)rounds!).TryRemove(done, out _), _rounds, TaskScheduler.Default);
    }

    private async Task StoreSoonAsync(string path)
    {
        try
        {
            try
            {
                await Task.Delay(tuning.Delay, time, _now.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The mount is ending: store now.
            }
            // Changes from here on start another round, which stores what they showed.
            _waiting.TryRemove(path, out _);
            using var bound = new CancellationTokenSource(tuning.Timeout, time);
            await store(path, bound.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The times stay right in this mount; only other clients miss them.
            log.LogDebug("Keeping the times of {Path}/ in its marker failed: {Message}", path, e.Message);
        }
    }

    /// <summary>Once the mount has ended: stores what waits, for at most <paramref name="bound"/>.</summary>
    public async Task FinishAsync(TimeSpan bound)
    {
        await _now.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_rounds.Keys).WaitAsync(bound, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            log.LogWarning("The times of {Count} directories were not kept in their markers in time", _rounds.Count);
        }
    }
}

/// <summary>How directory times reach their markers (see MarkerTimes).</summary>
internal sealed record MarkerTimesTuning
{
    /// <summary>From a directory's first change to its marker's copy: the changes of a burst become one copy.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Directories waiting at once; a bound, as each holds a timer and a node.</summary>
    public int MostPending { get; init; } = 10_000;

    /// <summary>Most time one marker's HEAD and copy may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}
