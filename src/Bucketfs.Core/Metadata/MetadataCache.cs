using System.Collections.Concurrent;

namespace Bucketfs.Core.Metadata;

/// <summary>
/// Names seen recently, by path: what they are, or that they do not exist. Entries live for the
/// metadata TTL; the cache holds at most its capacity, dropping expired entries first and
/// starting over if that is not enough. Expiry is kept in <paramref name="time"/>'s timestamps, so
/// a jump of the wall clock changes nothing and tests move time on instead of sleeping.
/// </summary>
internal sealed class MetadataCache(TimeSpan? ttl, int capacity, TimeProvider time)
{
    private readonly long _ttlTicks = ttl is { } t ? (long)(t.TotalSeconds * time.TimestampFrequency) : long.MaxValue;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Listing> _complete = new(StringComparer.Ordinal);

    /// <summary>
    /// Orders what the store says against what this mount changed: a change takes the next number,
    /// and what a request begun at number N learnt is not kept for a name changed after N, however
    /// late its answer arrives (a listing or HEAD in flight across a chmod, a rename, a create).
    /// </summary>
    private readonly Lock _order = new();
    private readonly Dictionary<string, long> _changed = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>Requests begun before this number are not trusted at all (a directory moved, or the change log was cleared to stay bounded).</summary>
    private long _floor;

    private readonly record struct Entry(EntryAttributes? Attributes, long ExpiresAt);

    private readonly record struct Listing(int Entries, long ExpiresAt);

    public int Count => _entries.Count;

    /// <summary>True when the path is known: <paramref name="attributes"/> is then null if it is known not to exist.</summary>
    public bool TryGet(string path, out EntryAttributes? attributes)
    {
        attributes = null;
        // Expired entries stay until replaced or shrunk away: their kind is still a good guess.
        if (!_entries.TryGetValue(path, out var entry) || entry.ExpiresAt < time.GetTimestamp()) return false;
        attributes = entry.Attributes;
        return true;
    }

    /// <summary>What the path was when last seen, even if that is no longer trusted; null if unknown or missing.</summary>
    public EntryAttributes? LastKnown(string path) => _entries.TryGetValue(path, out var entry) ? entry.Attributes : null;

    /// <summary>
    /// A directory whose every entry is in this cache (its listing just ended, or this mount just
    /// made it): a name not found here does not exist, for the TTL.
    /// </summary>
    public void MarkComplete(string prefix, int entries)
    {
        if (ttl == TimeSpan.Zero) return;
        if (_complete.Count >= capacity / 16) _complete.Clear();
        _complete[prefix] = new Listing(entries, Expiry());
    }

    public bool IsComplete(string prefix) => _complete.TryGetValue(prefix, out var listing) && listing.ExpiresAt >= time.GetTimestamp();

    /// <summary>
    /// The directory's last whole listing, even once that has expired: its number of entries and
    /// how long it stays fresh (negative once expired, <see cref="TimeSpan.MaxValue"/> without a TTL).
    /// </summary>
    public bool TryGetListing(string prefix, out int entries, out TimeSpan freshFor)
    {
        bool found = _complete.TryGetValue(prefix, out var listing);
        entries = listing.Entries;
        freshFor = listing.ExpiresAt == long.MaxValue ? TimeSpan.MaxValue : time.GetElapsedTime(time.GetTimestamp(), listing.ExpiresAt);
        return found;
    }

    /// <summary>Something appeared in the directory that this cache may not hold.</summary>
    public void MarkIncomplete(string prefix) => _complete.TryRemove(prefix, out _);

    /// <summary>Where the cache's history stands: pass it to <see cref="Learn"/> for what a store request begun now finds.</summary>
    public long Now
    {
        get { lock (_order) return _sequence; }
    }

    /// <summary>What a store request begun at <paramref name="since"/> found (null: nothing), unless this mount changed the name after that.</summary>
    public void Learn(string path, EntryAttributes? attributes, long since)
    {
        lock (_order)
        {
            if (!Stale(path, since))
                Put(path, attributes);
            // What this mount made it stays what the name is: for as long as the answer would have
            // been trusted, so a listing that ended without it does not make it missing.
            else if (_entries.TryGetValue(path, out var entry))
                _entries[path] = entry with { ExpiresAt = Expiry() };
        }
    }

    /// <summary>A HEAD begun at <paramref name="since"/> found no object: what was known of the name goes (it may be a directory), unless changed since.</summary>
    public void Unlearn(string path, long since)
    {
        lock (_order)
            if (!Stale(path, since)) _entries.TryRemove(path, out _);
    }

    /// <summary>This mount made the name this (create, upload, chmod, rename): newer than anything a request in flight may bring.</summary>
    public void Set(string path, EntryAttributes attributes)
    {
        lock (_order)
        {
            Changed(path);
            Put(path, attributes);
        }
    }

    /// <summary>This mount removed the name.</summary>
    public void SetMissing(string path)
    {
        lock (_order)
        {
            Changed(path);
            Put(path, null);
        }
    }

    /// <summary>This mount changed the name in a way it cannot describe (a new version not yet seen): the next lookup asks the store.</summary>
    public void Forget(string path)
    {
        lock (_order)
        {
            Changed(path);
            _entries.TryRemove(path, out _);
        }
    }

    /// <summary>Everything known below a directory goes (it was renamed): a walk over the whole cache, as rare as such renames.</summary>
    public void ForgetBelow(string prefix)
    {
        lock (_order)
        {
            _floor = ++_sequence;
            foreach (var path in _entries.Keys)
                if (path.StartsWith(prefix, StringComparison.Ordinal)) _entries.TryRemove(path, out _);
            foreach (var directory in _complete.Keys)
                if (directory.StartsWith(prefix, StringComparison.Ordinal)) _complete.TryRemove(directory, out _);
        }
    }

    /// <summary>Whether this mount changed the name after <paramref name="since"/>; <paramref name="current"/> is then what it made it (null: removed).</summary>
    public bool ChangedSince(string path, long since, out EntryAttributes? current)
    {
        lock (_order)
        {
            current = _entries.TryGetValue(path, out var entry) ? entry.Attributes : null;
            return Stale(path, since);
        }
    }

    private bool Stale(string path, long since) => since < _floor || _changed.TryGetValue(path, out long changed) && changed > since;

    private void Changed(string path)
    {
        long now = ++_sequence;
        // Bounded: past this many changes the log starts over, and requests begun before are not trusted.
        if (_changed.Count >= capacity / 16)
        {
            _changed.Clear();
            _floor = now;
        }
        _changed[path] = now;
    }

    /// <summary>Starts the TTL of these entries again, where they are still cached.</summary>
    public void Refresh(IEnumerable<string> paths)
    {
        long expires = Expiry();
        foreach (string path in paths)
            if (_entries.TryGetValue(path, out var entry)) _entries.TryUpdate(path, entry with { ExpiresAt = expires }, entry);
    }

    private long Expiry() => _ttlTicks == long.MaxValue ? long.MaxValue : time.GetTimestamp() + _ttlTicks;

    private void Put(string path, EntryAttributes? attributes)
    {
        if (ttl == TimeSpan.Zero) return;
        if (_entries.Count >= capacity) Shrink();
        _entries[path] = new Entry(attributes, Expiry());
    }

    private void Shrink()
    {
        // Entries of a complete directory may go below: it is complete no more.
        _complete.Clear();
        long now = time.GetTimestamp();
        foreach (var (path, entry) in _entries)
            if (entry.ExpiresAt < now) _entries.TryRemove(path, out _);
        if (_entries.Count >= capacity) _entries.Clear();
    }
}
