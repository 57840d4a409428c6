using Bucketfs.Core.Cache;
using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Read;

/// <summary>
/// Fetches the small files of a directory into the data cache once a program is reading through
/// them (a training epoch, a batch job). Epochs usually read in shuffled order, so guessing the
/// next file does not work; fetching the whole directory in listing order, many files at once,
/// does: every file opened after the first few is increasingly likely to be local already, and
/// the epoch runs at the store's bandwidth instead of one round trip per file per reader.
/// </summary>
internal sealed class DirectoryPrefetcher : IDisposable
{
    private readonly IObjectStore _store;
    private readonly DataCache _cache;
    private readonly MemoryLimiter _memory;
    private readonly DirectoryPrefetchTuning _tuning;
    private readonly ILogger _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Directory> _directories = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stop = new();

    public DirectoryPrefetcher(IObjectStore store, DataCache cache, MemoryLimiter memory, DirectoryPrefetchTuning tuning, ILogger log)
    {
        _store = store;
        _cache = cache;
        _memory = memory;
        _tuning = tuning;
        _slots = new SemaphoreSlim(tuning.Parallel, tuning.Parallel);
        _log = log;
    }

    private sealed class Directory(List<(string Key, long Size, string ETag)> files)
    {
        public List<(string Key, long Size, string ETag)> Files { get; } = files;
        public int Opens;
        public bool Started;

        /// <summary>Files a program opened, which its own reads fetch: the prefetch skips them.</summary>
        public HashSet<string> Opened { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Fetches under way, so an open of the same file waits for it instead of fetching it twice.</summary>
    private readonly SingleFlight<bool> _fetching = new();

    /// <summary>A complete listing of <paramref name="prefix"/> ended: its small files are what a prefetch would fetch.</summary>
    public void Listed(string prefix, List<(string Name, EntryAttributes Attributes)> entries)
    {
        var files = entries
            .Where(e => e.Attributes.Kind == EntryKind.File && e.Attributes.Size <= _tuning.SmallFile && e.Attributes.ETag.Length > 0)
            .Select(e => (prefix + e.Name, e.Attributes.Size, e.Attributes.ETag))
            .ToList();
        if (files.Count == 0 || files.Count > _tuning.MostFilesPerDirectory) return;
        long total = files.Sum(f => f.Size);
        // A directory the cache cannot hold would only evict itself.
        if (total > _cache.MaxBytes / 2) return;
        lock (_lock)
        {
            if (_directories.TryGetValue(prefix, out var known) && known.Started) return;
            if (_directories.Count >= _tuning.MostDirectories) _directories.Clear();
            _directories[prefix] = new Directory(files);
        }
    }

    /// <summary>
    /// A small file of <paramref name="prefix"/> is being opened for reading; returns the prefetch
    /// of that file if one is under way (it never fails: the open reads what it left in the cache).
    /// </summary>
    public Task? Opened(string prefix, string key)
    {
        Directory? start;
        lock (_lock)
        {
            if (!_directories.TryGetValue(prefix, out start)) return null;
            lock (start.Opened) start.Opened.Add(key);
            if (start.Started || ++start.Opens < _tuning.OpensBeforePrefetch) return _fetching.TryGet(key, out var fetching) ? fetching : null;
            start.Started = true;
        }
        _log.LogDebug("Prefetching the {Count} small files of {Prefix} into the data cache", start.Files.Count, prefix);
        _ = Task.Run(() => PrefetchAsync(start, _stop.Token));
        return null;
    }

    private async Task PrefetchAsync(Directory directory, CancellationToken stop)
    {
        var running = new List<Task>();
        try
        {
            foreach (var file in directory.Files)
            {
                // A file larger than a quarter of the memory budget would wait for it forever.
                if (file.Size > _memory.Limit / 4) continue;
                await _slots.WaitAsync(stop).ConfigureAwait(false);
                bool opened;
                lock (directory.Opened) opened = directory.Opened.Contains(file.Key);
                var cached = opened ? null : _cache.Object(_store.Description, file.Key, file.ETag, file.Size);
                if (cached is null || cached.IsComplete || _fetching.TryGet(file.Key, out _))
                {
                    cached?.Dispose();
                    _slots.Release();
                    continue;
                }
                running.Add(_fetching.Run(file.Key, (Self: this, File: file, Cached: cached, Stop: stop), static async s =>
                {
                    await s.Self.FetchAsync(s.File, s.Cached, s.Stop).ConfigureAwait(false);
                    return true;
                }));
                if (running.Count >= 4 * _tuning.Parallel) running.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException)
        {
            // Unmounting.
        }
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    /// <summary>Fetches one file into <paramref name="cached"/>, which it disposes.</summary>
    private async Task FetchAsync((string Key, long Size, string ETag) file, CachedObject cached, CancellationToken stop)
    {
        int size = (int)file.Size;
        bool reserved = false;
        ReadBuffer? buffer = null;
        try
        {
            // Prefetch only takes memory that is free: readers waiting for data come first.
            await _memory.ReserveWhenFreeAsync(MemoryArea.DirectoryPrefetch, size, stop).ConfigureAwait(false);
            reserved = true;
            buffer = _memory.Buffers.Rent(size);
            int n = await _store.ReadWholeAsync(file.Key, buffer.Memory[..size], file.ETag, stop).ConfigureAwait(false);
            if (n == size) cached.Store(0, buffer.Slice(0, n));
        }
        catch (Exception e) when (e is ObjectStoreException or OperationCanceledException)
        {
            // A file that changed or vanished is simply not prefetched; its open will say so.
            _log.LogDebug("Prefetch of {Key} skipped: {Message}", file.Key, e.Message);
        }
        finally
        {
            if (reserved) _memory.Release(MemoryArea.DirectoryPrefetch, size);
            if (buffer != null) _memory.Buffers.Return(buffer);
            cached.Dispose();
            _slots.Release();
        }
    }

    /// <summary>Stops prefetching; fetches under way end at their next await.</summary>
    public void Dispose() => _stop.Cancel();
}
