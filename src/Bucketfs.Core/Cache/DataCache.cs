using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.Core.Cache;

/// <summary>
/// Object data kept on local disk across reads, files and mounts. Each version of an object (bucket,
/// key, ETag) is a sparse .data file holding the blocks fetched so far at their own offsets, and a
/// .blocks sidecar with a checksum per block. Nothing is fsynced: a block is served only when its
/// bytes match its checksum, so a crash can lose blocks but never serve wrong ones. Several mounts
/// may share one directory; each keeps its own index and budget, and an eviction by one only
/// unlinks files the others keep using through their open handles.
/// </summary>
public sealed partial class DataCache : IDisposable
{
    private readonly DataCacheOptions _options;
    private readonly string _root;
    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectId, CacheEntry> _entries = [];
    // Most recently used first.
    private readonly LinkedList<CacheEntry> _recency = new();
    private long _used;
    // Told once when the disk's free space stops all caching, and once when it caches again.
    private bool _starved;
    private bool _disposed;

    private DataCache(DataCacheOptions options, string root, ILogger log)
    {
        _options = options;
        _root = root;
        Log = log;
    }

    internal ILogger Log { get; }

    internal int BlockSize => _options.BlockSize;

    /// <summary>The cache's folder; object data lives in its objects/ folder, so others can sit beside it.</summary>
    internal string Root => _root;

    internal long MaxBytes => _options.MaxBytes;

    /// <summary>Bytes of object data held now, as far as this process knows.</summary>
    internal long UsedBytes => Interlocked.Read(ref _used);

    /// <summary>The mount's instruments (evictions); null when nothing is measured.</summary>
    internal FilesystemMetrics? Metrics { get; set; }

    /// <summary>Opens (creating it if needed) the cache directory, indexing what earlier mounts left there.</summary>
    public static DataCache Open(DataCacheOptions options, ILogger log)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.Directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BlockSize, 4096);
        // A block is the largest buffer a read may borrow to verify it.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.BlockSize, 64 << 20);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MinFreeBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxObjects, 1);
        string root = Path.GetFullPath(options.Directory);
        Directory.CreateDirectory(CacheLayout.Objects(root));
        var cache = new DataCache(options, root, log);
        var scanned = CacheScan.Run(root, tidy: true, log);
        // A sidecar's mtime is its object's last use, as far as any mount wrote it down.
        scanned.Sort((a, b) => a.LastUse.CompareTo(b.LastUse));
        lock (cache._lock)
        {
            foreach (var found in scanned)
            {
                var entry = new CacheEntry(found.Id, found.Size) { Bytes = found.Bytes };
                cache._entries.Add(found.Id, entry);
                cache._recency.AddFirst(entry.Node);
                cache._used += found.Bytes;
            }
            // The limits may be lower than the last mount's.
            while ((cache._used > options.MaxBytes || cache._entries.Count > options.MaxObjects) && cache.EvictLeastRecent()) { }
        }
        var status = cache.Status();
        log.CacheOpened(root, status.Objects, status.BytesUsed, options.MaxBytes);
        return cache;
    }

    /// <summary>
    /// A handle on one version of an object, to dispose when the file is closed; while any handle
    /// on it is open, this process does not evict it.
    /// </summary>
    internal CachedObject Object(string bucket, string key, string etag, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var id = ObjectId.Of(bucket, key, etag);
        CacheEntry? entry;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_entries.TryGetValue(id, out entry))
            {
                MoveToFront(entry);
            }
            else
            {
                if (_entries.Count >= _options.MaxObjects) EvictLeastRecent();
                entry = new CacheEntry(id, size);
                _entries.Add(id, entry);
                _recency.AddFirst(entry.Node);
            }
            entry.Refs++;
            Volatile.Write(ref entry.TouchedAt, Environment.TickCount64);
        }
        return new CachedObject(this, entry, FilesOf(entry, bucket, key, etag, size), size, _options.BlockSize);
    }

    private ObjectFiles? FilesOf(CacheEntry entry, string bucket, string key, string etag, long size)
    {
        // Opening reads the whole sidecar: under the entry's lock, so opens of other objects go on.
        lock (entry)
        {
            // Another size under the same ETag is the store's inconsistency, not worth a second pair of files.
            if (entry.Files is { } open) return open.Geometry.Size == size ? open : null;
            ObjectFiles files;
            try
            {
                files = ObjectFiles.Open(_root, entry.Id, bucket, key, etag, new BlockGeometry(size, _options.BlockSize));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.NotCaching(key, e.Message);
                return null;
            }
            lock (_lock)
            {
                // What is on disk now, which other mounts may have changed since the scan.
                _used += files.PresentBytes - entry.Bytes;
                entry.Bytes = files.PresentBytes;
                entry.Size = size;
                entry.Files = files;
            }
            return files;
        }
    }

    /// <summary>A handle was disposed: the last one closes the files.</summary>
    internal void Release(CacheEntry entry)
    {
        ObjectFiles? closing = null;
        lock (_lock)
        {
            if (--entry.Refs == 0)
            {
                closing = entry.Files;
                entry.Files = null;
            }
        }
        closing?.Dispose();
    }

    public DataCacheStatus Status()
    {
        lock (_lock)
        {
            int complete = 0;
            foreach (var entry in _entries.Values)
                if (entry.Bytes == entry.Size) complete++;
            return new DataCacheStatus(_root, _entries.Count, complete, _used, _options.MaxBytes);
        }
    }

    /// <summary>
    /// Removes every cached object this process is not reading right now, including those only
    /// other mounts know of (they fetch them again).
    /// </summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (var entry in _entries.Values.Where(e => e.Refs == 0).ToList()) Evict(entry);
            // Every entry left is in use, and an object being opened has its entry already.
            DeleteFiles(_root, keep: _entries.ContainsKey);
        }
    }

    /// <summary>What a cache directory holds, read from its sidecars without a running cache.</summary>
    public static DataCacheStatus Inspect(string directory)
    {
        string root = Path.GetFullPath(directory);
        var scanned = CacheScan.Run(root, tidy: false, NullLogger.Instance);
        return new DataCacheStatus(root, scanned.Count, scanned.Count(o => o.Bytes == o.Size), scanned.Sum(o => o.Bytes), MaxBytes: null);
    }

    /// <summary>
    /// Empties a cache directory, safe while mounts use it: only files are deleted, and a mount
    /// keeps reading what it has open, then recreates what it needs.
    /// </summary>
    public static void Clear(string directory)
    {
        string root = Path.GetFullPath(directory);
        DeleteFiles(root, keep: _ => false);
        if (Directory.Exists(CacheLayout.Listings(root))) Directory.Delete(CacheLayout.Listings(root), recursive: true);
    }

    private static void DeleteFiles(string root, Func<ObjectId, bool> keep)
    {
        var objects = new DirectoryInfo(CacheLayout.Objects(root));
        if (!objects.Exists) return;
        foreach (var folder in objects.EnumerateDirectories())
        {
            // Sidecars before data, as CacheLayout.Delete does, so no record outlives its bytes.
            var files = folder.GetFiles()
                .Where(f => f.Extension is CacheLayout.BlocksExtension or CacheLayout.DataExtension)
                .Where(f => ObjectId.TryParse(Path.GetFileNameWithoutExtension(f.Name), out var id) && !keep(id))
                .OrderBy(f => f.Extension == CacheLayout.DataExtension);
            foreach (var file in files) file.Delete();
        }
    }

    /// <summary>
    /// Stops handing out objects and writes down when each was last used, for the next mount's
    /// recency order. Handles still open keep working until they are disposed.
    /// </summary>
    public void Dispose()
    {
        List<CacheEntry> unsaved;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            unsaved = [.. _entries.Values.Where(e => e.TouchedAt > e.SavedAt)];
        }
        long now = Environment.TickCount64;
        var utcNow = DateTime.UtcNow;
        foreach (var entry in unsaved)
        {
            try
            {
                File.SetLastWriteTimeUtc(CacheLayout.BlocksPath(_root, entry.Id), utcNow - TimeSpan.FromMilliseconds(now - entry.TouchedAt));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Evicted by another mount meanwhile.
            }
        }
    }
}
