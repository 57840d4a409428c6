using System.Collections.Concurrent;
using Bucketfs.Core.Metadata;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// Answers lookups that walk a large directory in name order once its names have expired: `du`
/// and `ls -l` without READDIRPLUS stat every name after reading the whole directory, and in a
/// folder of 100,000 names the first ones expire long before they are reached. Each such name
/// cost a HEAD (measured: `du -s` of a 100,000-name folder did not finish in 150 s, 30,688 HEADs);
/// instead one page of the listing, begun at the name, answers it and the thousand names after it.
/// Random lookups are left to <see cref="DirectoryRelisting"/> and HEADs, which cost them less.
/// </summary>
internal sealed class ListingWindows(IObjectStore store, MetadataCache cache, int pageSize, TimeSpan? ttl, TimeProvider time, Func<Inode, string, EntryAttributes, EntryAttributes> known, ILogger log, ListingHeaders headers)
{
    /// <summary>Lookups in ascending name order, in a row, before a page is listed for the next one.</summary>
    private const int InOrderBeforeWindow = 4;

    private const int MostDirectories = 4096;

    /// <summary>Pages kept at once, a thousand names each: one per directory being walked, and walks are few.</summary>
    private const int MostWindows = 64;

    /// <summary>The names a page showed between <see cref="After"/> (exclusive) and <see cref="Through"/> (null: the end).</summary>
    private sealed record Window(string After, string? Through, Dictionary<string, EntryAttributes> Names, long Sequence, long ListedAt);

    private readonly record struct Walk(string Last, int InOrder);

    private readonly ConcurrentDictionary<string, Walk> _walks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>Directories seen with more than a page of entries: where a page answers lookups that would cost a HEAD each.</summary>
    private readonly ConcurrentDictionary<string, bool> _large = new(StringComparer.Ordinal);
    private readonly SingleFlight<Window?> _inFlight = new();

    /// <summary>
    /// The name as a page of its directory's listing shows it (null: not there), when the lookups
    /// of <paramref name="directory"/> walk it in order; not answered otherwise.
    /// </summary>
    public async Task<(bool Answered, EntryAttributes? Found)> LookupAsync(Inode directory, string name, CancellationToken cancellation)
    {
        string prefix = directory.DirectoryPrefix;
        if (_inFlight.TryGet(prefix, out var running) && Answer(await running.WaitAsync(cancellation).ConfigureAwait(false), name) is { } shared)
            return shared;
        if (_windows.TryGetValue(prefix, out var last) && Answer(last, name) is { } kept) return kept;
        if (!InOrder(prefix, name) || !_large.ContainsKey(prefix)) return (false, null);
        var window = await _inFlight.Run(prefix, (Self: this, Directory: directory, Name: name), static s => s.Self.ListAsync(s.Directory, s.Name)).WaitAsync(cancellation).ConfigureAwait(false);
        return Answer(window, name) ?? (false, null);
    }

    /// <summary>
    /// A listing of <paramref name="directory"/> has shown <paramref name="entries"/> so far. Known
    /// before it ends: du reads 100,000 names, then looks them up with the directory still open.
    /// </summary>
    public void Listed(Inode directory, int entries)
    {
        if (entries <= pageSize || _large.ContainsKey(directory.DirectoryPrefix)) return;
        if (_large.Count >= MostDirectories) _large.Clear();
        _large[directory.DirectoryPrefix] = true;
    }

    /// <summary>Whether a page listed for a walk still answers in <paramref name="directory"/>: its names are not to be counted toward listing it whole again.</summary>
    public bool Serves(Inode directory) => _windows.TryGetValue(directory.DirectoryPrefix, out var window) && Current(window);

    /// <summary>Counts the lookup in its directory's walk: whether the last few came in ascending order.</summary>
    private bool InOrder(string prefix, string name)
    {
        if (_walks.Count >= MostDirectories && !_walks.ContainsKey(prefix)) _walks.Clear();
        var walk = _walks.AddOrUpdate(prefix, static (_, name) => new Walk(name, 0),
            static (_, walk, name) => new Walk(name, string.CompareOrdinal(name, walk.Last) > 0 ? walk.InOrder + 1 : 0), name);
        return walk.InOrder >= InOrderBeforeWindow;
    }

    /// <summary>What the window says of the name, if it covers it and is still true: nothing changed through this mount since, and within the TTL.</summary>
    private (bool, EntryAttributes?)? Answer(Window? window, string name)
    {
        if (window is null || !Current(window)) return null;
        if (string.CompareOrdinal(name, window.After) <= 0) return null;
        // A directory kept as s3fs's "name_$folder$" sorts after "name/": both must lie within the page.
        if (window.Through != null && string.CompareOrdinal(name + KeyNames.LegacyFolderSuffix, window.Through) > 0) return null;
        return (true, window.Names.GetValueOrDefault(name));
    }

    private bool Current(Window window) => window.Sequence == cache.Now && (ttl is not { } t || time.GetElapsedTime(window.ListedAt) <= t);

    private async Task<Window?> ListAsync(Inode directory, string name)
    {
        string prefix = directory.DirectoryPrefix;
        // The page begins just before the name: after it with its last character taken away.
        int cut = name.Length > 1 && char.IsLowSurrogate(name[^1]) ? 2 : 1;
        string after = name[..^cut];
        try
        {
            long since = cache.Now;
            long listedAt = time.GetTimestamp();
            var listing = DirectoryListing.OnePage(store, prefix, after, pageSize, log, headers);
            var names = new Dictionary<string, EntryAttributes>(StringComparer.Ordinal);
            // Bounded by the store's own call timeouts; no single lookup's cancellation ends it.
            while (await listing.PeekAsync(CancellationToken.None).ConfigureAwait(false) is { } entry)
            {
                listing.Advance();
                var attributes = known(directory, entry.Name, entry.Attributes);
                cache.Learn(prefix + entry.Name, attributes, since);
                names[entry.Name] = attributes;
            }
            var window = new Window(after, listing.Through, names, since, listedAt);
            if (_windows.Count >= MostWindows && !_windows.ContainsKey(prefix)) _windows.Clear();
            _windows[prefix] = window;
            return window;
        }
        catch (ObjectStoreException e)
        {
            // The lookup asks for its name alone instead.
            log.LogDebug("Listing {Prefix} from {Name} failed: {Message}", prefix, name, e.Message);
            return null;
        }
    }
}
