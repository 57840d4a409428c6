using System.Diagnostics.Metrics;

namespace Bucketfs.Core;

/// <summary>
/// The filesystem's instruments on the mount's meter: what opens, the data cache, prefetching and
/// uploads did (counters), and what is held now (gauges, read only when collected). Nothing is
/// recorded unless a listener is attached: an unobserved counter costs a check of its subscribers.
/// </summary>
internal sealed class FilesystemMetrics
{
    private readonly Counter<long> _pageCacheKept;
    private readonly Counter<long> _cacheHits, _cacheMisses, _cacheHitBytes, _cacheEvictions, _cacheEvictedBytes;
    private readonly Counter<long> _prefetchUsed, _prefetchWasted;
    private readonly Counter<long> _uploadFailures;

    public FilesystemMetrics(Meter meter, BucketFileSystem fs)
    {
        _pageCacheKept = meter.CreateCounter<long>("bucketfs.page_cache.kept", "{open}", "Opens that let the kernel keep the file's cached pages (the version had not changed)");
        _cacheHits = meter.CreateCounter<long>("bucketfs.data_cache.hits", "{read}", "Reads of object data served from the --cache folder");
        _cacheMisses = meter.CreateCounter<long>("bucketfs.data_cache.misses", "{read}", "Reads of object data the --cache folder did not hold, fetched from the store");
        _cacheHitBytes = meter.CreateCounter<long>("bucketfs.data_cache.hit_bytes", "By", "Bytes served from the --cache folder");
        _cacheEvictions = meter.CreateCounter<long>("bucketfs.data_cache.evictions", "{object}", "Objects dropped from the --cache folder to make room");
        _cacheEvictedBytes = meter.CreateCounter<long>("bucketfs.data_cache.evicted_bytes", "By", "Bytes dropped from the --cache folder to make room");
        _prefetchUsed = meter.CreateCounter<long>("bucketfs.prefetch.used", "By", "Bytes fetched ahead of a reader that it then read");
        _prefetchWasted = meter.CreateCounter<long>("bucketfs.prefetch.wasted", "By", "Bytes fetched ahead of a reader and dropped unread");
        _uploadFailures = meter.CreateCounter<long>("bucketfs.uploads.failed", "{upload}", "Uploads of a closed or synced file that failed (each is kept and tried again)");
        meter.CreateObservableGauge("bucketfs.memory.usage", () => fs.PrefetchBytesInUse, "By", "Bytes of the --memory-limit budget held now (prefetched data, upload parts)");
        meter.CreateObservableGauge("bucketfs.memory.limit", () => fs.MemoryLimit, "By", "The --memory-limit budget");
        meter.CreateObservableGauge("bucketfs.staged.files", () => fs.StagedFiles, "{file}", "Files with a local staged copy (being written or waiting for upload)");
        meter.CreateObservableGauge("bucketfs.uploads.pending", () => fs.PendingUploads.Count, "{file}", "Closed files not yet in the bucket, their upload being retried");
        meter.CreateObservableGauge("bucketfs.handles.open", () => fs.OpenHandles, "{handle}", "Files open through the mount");
        meter.CreateObservableGauge("bucketfs.inodes", () => fs.KnownNodes, "{inode}", "Names the mount knows (inodes the kernel may hold)");
        meter.CreateObservableGauge("bucketfs.data_cache.usage", () => fs.DataCacheBytes, "By", "Bytes of object data in the --cache folder");
    }

    public void KeptPageCache()
    {
        if (_pageCacheKept.Enabled) _pageCacheKept.Add(1);
    }

    public void CacheRead(bool hit, int bytes)
    {
        if (!hit)
        {
            _cacheMisses.Add(1);
            return;
        }
        _cacheHits.Add(1);
        _cacheHitBytes.Add(bytes);
    }

    public void Evicted(long bytes)
    {
        _cacheEvictions.Add(1);
        _cacheEvictedBytes.Add(bytes);
    }

    /// <summary>A chunk fetched ahead of its reader is let go, read or not.</summary>
    public void Prefetched(int bytes, bool used) => (used ? _prefetchUsed : _prefetchWasted).Add(bytes);

    public void UploadFailed() => _uploadFailures.Add(1);
}
