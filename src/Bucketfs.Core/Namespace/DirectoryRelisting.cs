using System.Collections.Concurrent;
using Bucketfs.Core.Metadata;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// Lists a directory again when its names have expired and a program is still looking them up one
/// by one (the second epoch over a dataset, a build walking its tree again): one LIST page renews a
/// thousand names that would each have cost a HEAD. Measured on a 10,000-file epoch read again at
/// the default 1 s TTL: the names a program reached after the TTL cost 1,000-3,500 HEADs, and the
/// epoch ran at 2,300-5,500 files/s instead of 10,000. Only a directory listed whole before is
/// listed again, and only once enough of its names were looked up since to pay for its pages.
/// </summary>
internal sealed class DirectoryRelisting(IObjectStore store, MetadataCache cache, int pageSize, Func<Inode, string, EntryAttributes, EntryAttributes> known, ILogger log)
{
    // A LIST page costs what about 12 HEADs do (S3's prices: $0.005 and $0.0004 per 1,000), so a
    // directory is listed again once the HEADs its names cost since the last listing would have
    // paid for it: as in renting skis until the rent equals the price, never more than twice the
    // cost of the best choice made knowing the future.
    private const int LookupsPerPage = 12;
    private const int MostDirectoriesCounted = 4096;
    private readonly ConcurrentDictionary<string, int> _expiredLookups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);

    /// <summary>
    /// Counts a lookup of an expired name in <paramref name="directory"/>. Returns the listing to wait
    /// for when one is under way or this lookup makes one worth it; null when the name is to be
    /// asked for alone. The listing's task never fails: afterwards the cache has what it found.
    /// </summary>
    public Task? For(Inode directory)
    {
        string prefix = directory.DirectoryPrefix;
        if (_inFlight.TryGetValue(prefix, out var running)) return running;
        if (cache.ListedEntries(prefix) is not { } entries) return null;
        if (_expiredLookups.Count >= MostDirectoriesCounted) _expiredLookups.Clear();
        int pages = Math.Max(1, (entries + pageSize - 1) / pageSize);
        if (_expiredLookups.AddOrUpdate(prefix, 1, static (_, n) => n + 1) < pages * LookupsPerPage) return null;
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = _inFlight.GetOrAdd(prefix, mine.Task);
        if (shared == mine.Task) _ = ListAsync(directory, mine);
        return shared;
    }

    private async Task ListAsync(Inode directory, TaskCompletionSource done)
    {
        string prefix = directory.DirectoryPrefix;
        try
        {
            var listing = new DirectoryListing(store, prefix, pageSize, [], log);
            int entries = 0;
            // Bounded by the store's own call timeouts; no single lookup's cancellation ends it.
            while (await listing.PeekAsync(CancellationToken.None).ConfigureAwait(false) is { } entry)
            {
                listing.Advance();
                cache.Add(prefix + entry.Name, known(directory, entry.Name, entry.Attributes));
                entries++;
            }
            cache.MarkComplete(prefix, entries);
        }
        catch (Exception e)
        {
            // The lookups waiting on it ask for their names one by one instead.
            log.LogDebug("Listing {Prefix} again failed: {Message}", prefix, e.Message);
        }
        finally
        {
            _expiredLookups.TryRemove(prefix, out _);
            _inFlight.TryRemove(new KeyValuePair<string, Task>(prefix, done.Task));
            done.SetResult();
        }
    }
}
