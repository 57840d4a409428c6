using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// Copy and sync between two sides: the listings are merged as they stream in (or the keys of
/// --files-from looked up), checkers decide what needs copying, and transfer workers copy it,
/// joined by bounded queues, with file data under a memory budget. What is already the same at
/// the destination is skipped, so a run that was interrupted finishes when run again.
/// </summary>
public sealed class Transfers
{
    private readonly ITransferSide _source;
    private readonly ITransferSide _destination;
    private readonly TransferOptions _options;
    private readonly TransferProgress _progress;
    private readonly ILogger _log;
    private readonly FileCopy _copy;
    private readonly Lock _lock = new();
    private readonly List<TransferFailure> _failures = [];
    private long _copied, _copiedBytes;

    private Transfers(ITransferSide source, ITransferSide destination, TransferOptions options, TransferProgress progress, ILogger log)
    {
        _source = source;
        _destination = destination;
        _options = options;
        _progress = progress;
        _log = log;
        _copy = new FileCopy(source, destination, options, new ByteBudget(options.MemoryLimit), progress);
    }

    /// <summary>
    /// Makes <paramref name="destination"/> have every file of <paramref name="source"/> (and, with
    /// <see cref="TransferOptions.Delete"/>, nothing else). Per-file failures are in the summary;
    /// a listing that fails, or cancellation, throws.
    /// </summary>
    public static Task<TransferSummary> RunAsync(ITransferSide source, ITransferSide destination, TransferOptions options, TransferProgress progress, ILogger log, CancellationToken cancellation) =>
        new Transfers(source, destination, options, progress, log).RunAsync(cancellation);

    private async Task<TransferSummary> RunAsync(CancellationToken cancellation)
    {
        using var spool = _options.Delete ? new KeySpool() : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var pairs = Channel.CreateBounded<Pair>(new BoundedChannelOptions(Math.Max(64, _options.Checkers * 16)) { SingleWriter = true });
        var copies = Channel.CreateBounded<TransferEntry>(Math.Max(16, _options.Transfers * 2));
        await Task.WhenAll(
            ProduceAsync(pairs.Writer, stop),
            CheckAllAsync(pairs.Reader, copies.Writer, spool, stop.Token),
            Task.WhenAll(Enumerable.Range(0, _options.Transfers).Select(_ => TransferAsync(copies.Reader, stop.Token)))).ConfigureAwait(false);
        long heldBack = 0;
        if (spool != null)
        {
            if (_progress.Failed == 0) await DeleteAsync(spool, cancellation).ConfigureAwait(false);
            else _log.DeletionsHeldBack(heldBack = spool.Count);
        }
        if (!_options.DryRun) await _destination.FinishAsync(cancellation).ConfigureAwait(false);
        lock (_lock) return new TransferSummary(_copied, _copiedBytes, _progress.Skipped, _progress.Deleted, _progress.Failed, _failures.ToList(), heldBack);
    }

    /// <summary>Pairs in key order; a listing that fails stops the whole run.</summary>
    private async Task ProduceAsync(ChannelWriter<Pair> pairs, CancellationTokenSource stop)
    {
        try
        {
            var token = stop.Token;
            var all = _options.Keys is { } keys
                ? keys.Select(key => new Pair(key, null, null))
                : Pairing.KeepingFoldersInUseAsync(Pairing.MergeAsync(_source.ListAsync(token), _destination.ListAsync(token), token), token);
            await foreach (var pair in all.WithCancellation(token).ConfigureAwait(false))
                if (_options.Filter.Takes(pair.Key)) await pairs.WriteAsync(pair, token).ConfigureAwait(false);
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            pairs.TryComplete();
        }
    }

    private async Task CheckAllAsync(ChannelReader<Pair> pairs, ChannelWriter<TransferEntry> copies, KeySpool? spool, CancellationToken cancellation)
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, _options.Checkers).Select(_ => CheckAsync(pairs, copies, spool, cancellation))).ConfigureAwait(false);
        }
        finally
        {
            copies.TryComplete();
            _progress.EndListing();
        }
    }

    private async Task CheckAsync(ChannelReader<Pair> pairs, ChannelWriter<TransferEntry> copies, KeySpool? spool, CancellationToken cancellation)
    {
        await foreach (var pair in pairs.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            try
            {
                var (source, destination) = pair.Source is null && pair.Destination is null
                    ? (await _source.StatAsync(pair.Key, cancellation).ConfigureAwait(false), await _destination.StatAsync(pair.Key, cancellation).ConfigureAwait(false))
                    : (pair.Source, pair.Destination);
                if (source is null)
                {
                    if (destination is null) _log.NotInSource(pair.Key);
                    else spool?.Add(pair.Key);
                    continue;
                }
                _progress.Checks();
                if (destination != null && !await DiffersAsync(source, destination, cancellation).ConfigureAwait(false))
                {
                    _progress.Skip();
                    continue;
                }
                _progress.Queued(source.Size);
                await copies.WriteAsync(source, cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested)
            {
                Fail(pair.Key, e);
            }
        }
    }

    /// <summary>
    /// By size, then by MD5 (--checksum) or modification time; what cannot be told apart is the
    /// same. A small file whose MD5 the other side states in its ETag is compared by that in
    /// either mode: reading it costs less than the HEAD its time would (a re-run of 500 files
    /// made 500 HEADs), and equal bytes need no copy (rclone then only updates the time).
    /// </summary>
    private async Task<bool> DiffersAsync(TransferEntry source, TransferEntry destination, CancellationToken cancellation)
    {
        if (source.Size != destination.Size) return true;
        bool cheap = source.Size <= _options.HashBelow && (source.ETag != null || destination.ETag != null);
        if (_options.Checksum || cheap)
        {
            if (await ContentDiffersAsync(source, destination, cancellation).ConfigureAwait(false) is { } differs) return differs;
            if (_options.Checksum) return false;
        }
        // Gone since it was listed: copying it fails with the reason.
        if (await ExactTimeAsync(_source, source, cancellation).ConfigureAwait(false) is not { } sourceTime) return true;
        if (await ExactTimeAsync(_destination, destination, cancellation).ConfigureAwait(false) is not { } destinationTime) return true;
        return (sourceTime - destinationTime).Duration() > _options.ModifyWindow;
    }

    private static async Task<DateTimeOffset?> ExactTimeAsync(ITransferSide side, TransferEntry entry, CancellationToken cancellation) =>
        entry.ModifiedIsExact ? entry.Modified : (await side.StatAsync(entry.Key, cancellation).ConfigureAwait(false))?.Modified;

    /// <summary>
    /// Whether the bytes differ by MD5, or null when there is no common hash. The side with an
    /// ETag is asked first, since its hash costs nothing; a local file is read for its MD5 only
    /// when the other side has one to compare with.
    /// </summary>
    private async Task<bool?> ContentDiffersAsync(TransferEntry source, TransferEntry destination, CancellationToken cancellation)
    {
        if (source.ETag != null && source.ETag == destination.ETag) return false;
        var (first, firstSide, second, secondSide) = source.ETag != null ? (source, _source, destination, _destination) : (destination, _destination, source, _source);
        if (await firstSide.HashAsync(first, cancellation).ConfigureAwait(false) is not { } one) return null;
        if (await secondSide.HashAsync(second, cancellation).ConfigureAwait(false) is not { } other) return null;
        return one != other;
    }

    private async Task TransferAsync(ChannelReader<TransferEntry> copies, CancellationToken cancellation)
    {
        await foreach (var entry in copies.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            if (_options.DryRun)
            {
                _log.WouldCopy(entry.Key, entry.Size);
                Copied(entry);
                continue;
            }
            var active = new ActiveTransfer(entry.Key, entry.Size);
            _progress.Active[entry.Key] = active;
            try
            {
                await _copy.CopyAsync(entry, active, cancellation).ConfigureAwait(false);
                _log.Copied(entry.Key, entry.Size);
                Copied(entry);
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested)
            {
                _progress.Moved(-active.Done);
                Fail(entry.Key, e);
            }
            finally
            {
                _progress.Active.TryRemove(entry.Key, out _);
            }
        }
    }

    /// <summary>Files and links first, then folders deepest first (one pass over the spool per depth), so a local folder is empty when its turn comes.</summary>
    private async Task DeleteAsync(KeySpool spool, CancellationToken cancellation)
    {
        static int Depth(string key) => key.Count(c => c == '/');
        await DeleteAsync(spool.Keys().Where(key => !TransferEntry.IsFolderKey(key)), cancellation).ConfigureAwait(false);
        int deepest = spool.Keys().Where(TransferEntry.IsFolderKey).Select(Depth).DefaultIfEmpty(0).Max();
        for (int depth = deepest; depth > 0; depth--)
            await DeleteAsync(spool.Keys().Where(key => TransferEntry.IsFolderKey(key) && Depth(key) == depth), cancellation).ConfigureAwait(false);
    }

    private async Task DeleteAsync(IEnumerable<string> keys, CancellationToken cancellation)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Transfers, CancellationToken = cancellation };
        await Parallel.ForEachAsync(keys, parallel, async (key, token) =>
        {
            try
            {
                if (_options.DryRun) _log.WouldDelete(key);
                else await _destination.DeleteAsync(key, token).ConfigureAwait(false);
                _log.Deleted(key);
                _progress.Delete();
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                Fail(key, e);
            }
        }).ConfigureAwait(false);
    }

    private void Copied(TransferEntry entry)
    {
        _progress.Done();
        lock (_lock)
        {
            _copied++;
            _copiedBytes += entry.Size;
        }
    }

    private void Fail(string key, Exception e)
    {
        string reason = e.Message.Split('\n')[0].Trim();
        _log.Failed(key, reason);
        _progress.Fail();
        lock (_lock)
        {
            if (_failures.Count < _options.FailuresKept) _failures.Add(new TransferFailure(key, reason));
        }
    }
}
