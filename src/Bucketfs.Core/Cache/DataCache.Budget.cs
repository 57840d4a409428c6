using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Cache;

public sealed partial class DataCache
{
    // Recency to the second is enough, and keeps most reads off the lock.
    private const long TouchInterval = 1000;
    // The sidecar's mtime carries recency over to the next mount; a minute late is fine.
    private const long SaveInterval = 60_000;

    /// <summary>
    /// Counts <paramref name="bytes"/> about to be stored for <paramref name="entry"/>, first
    /// evicting the least recently used objects not in use here until they fit within MaxBytes
    /// and leave MinFreeBytes free on the disk; false when even that cannot make room.
    /// </summary>
    internal bool TryReserve(CacheEntry entry, long bytes)
    {
        lock (_lock)
        {
            if (bytes > _options.MaxBytes) return false;
            long free = FreeBytes();
            while (_used + bytes > _options.MaxBytes || free - bytes < _options.MinFreeBytes)
            {
                if (LeastRecentIdle() is not { } victim)
                {
                    if (free - bytes < _options.MinFreeBytes && !_starved)
                    {
                        _starved = true;
                        Log.CacheStarved(_root, free, _options.MinFreeBytes);
                    }
                    return false;
                }
                // Counted rather than measured again: the disk may return the space lazily.
                free += victim.Bytes;
                Evict(victim);
            }
            entry.Bytes += bytes;
            _used += bytes;
            if (_starved)
            {
                _starved = false;
                Log.CacheResumed(_root);
            }
            return true;
        }
    }

    /// <summary>Blocks found present, or dropped, without a store of this process: counted, never a reason to evict.</summary>
    internal void Account(CacheEntry entry, long bytes)
    {
        lock (_lock)
        {
            entry.Bytes += bytes;
            _used += bytes;
        }
    }

    /// <summary>A read was served: moves the object to the front of the recency order.</summary>
    internal void Touch(CacheEntry entry, ObjectFiles files)
    {
        long now = Environment.TickCount64;
        if (now - Volatile.Read(ref entry.TouchedAt) < TouchInterval) return;
        lock (_lock)
        {
            Volatile.Write(ref entry.TouchedAt, now);
            MoveToFront(entry);
        }
        if (now - Volatile.Read(ref entry.SavedAt) < SaveInterval) return;
        Volatile.Write(ref entry.SavedAt, now);
        try
        {
            File.SetLastWriteTimeUtc(files.Blocks, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogDebug("Cannot record the use of {Path}: {Message}", files.DataPath, e.Message);
        }
    }

    private void MoveToFront(CacheEntry entry)
    {
        _recency.Remove(entry.Node);
        _recency.AddFirst(entry.Node);
    }

    private bool EvictLeastRecent()
    {
        if (LeastRecentIdle() is not { } victim) return false;
        Evict(victim);
        return true;
    }

    private CacheEntry? LeastRecentIdle()
    {
        for (var node = _recency.Last; node != null; node = node.Previous)
            if (node.Value.Refs == 0) return node.Value;
        return null;
    }

    private void Evict(CacheEntry victim)
    {
        _entries.Remove(victim.Id);
        _recency.Remove(victim.Node);
        _used -= victim.Bytes;
        Metrics?.Evicted(victim.Bytes);
        try
        {
            CacheLayout.Delete(_root, victim.Id);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogDebug("Cannot delete {Id} from the data cache: {Message}", victim.Id, e.Message);
        }
    }

    private long FreeBytes()
    {
        try
        {
            return new DriveInfo(_root).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The directory is gone or unreadable: nothing can be stored there anyway.
            return 0;
        }
    }
}
