using System.Collections.Concurrent;
using Bucketfs.Core.Cache;
using Bucketfs.Core.Handles;
using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.Core.Read;
using Bucketfs.Core.Write;
using Bucketfs.Fuse.Protocol;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core;

/// <summary>
/// A bucket (or a prefix of it) served as a filesystem: names and attributes from listings and
/// HEADs (<see cref="Names"/>), file data through per-handle prefetching readers, changes through
/// a staged local copy per file that close() and fsync() upload (<see cref="Staging"/>). Its
/// operations return plain results and fail with <see cref="FileSystemException"/> or the store's
/// <see cref="ObjectStoreException"/>; <see cref="Kernel.FuseAdapter"/> serves them over FUSE.
/// </summary>
public sealed partial class BucketFileSystem : IStagedView
{
    private readonly IObjectStore _store;
    private readonly FilesystemOptions _options;
    private readonly ILogger _log;
    private readonly Names _names;
    private readonly Staging _staging;
    private readonly MarkerTimes _markerTimes;
    // One writer of directory markers' metadata at a time: a marker is empty, so its ETag never
    // changes and a copy conditional on it cannot tell a chmod's copy from the one before.
    private readonly SemaphoreSlim _markerWrites = new(1, 1);
    private readonly MemoryLimiter _memory;
    private readonly ReadTuning _tuning;
    private readonly FirstBytes _firstBytes;
    private readonly DataCache? _dataCache;
    private readonly DirectoryPrefetcher? _prefetcher;
    private readonly ConcurrentDictionary<ulong, OpenFile> _files = new();
    private OpenModes? _modes;

    /// <summary>Made once: a method group passed per READ would allocate a delegate each time.</summary>
    private readonly Func<Inode, ObjectReader> _versionReader;
    private long _nextHandle;

    public BucketFileSystem(IObjectStore store, FilesystemOptions options, ILogger log, DataCache? dataCache = null)
    {
        _store = store;
        _options = options;
        _log = log;
        _dataCache = dataCache;
        _memory = new MemoryLimiter(options.MemoryLimit);
        _tuning = ReadTuning.From(options, dataCache?.BlockSize);
        _firstBytes = new FirstBytes(_memory, options.FirstBytes, options.Time);
        if (dataCache != null) _prefetcher = new DirectoryPrefetcher(store, dataCache, _memory, options.DirectoryPrefetch, log);
        _markerTimes = new MarkerTimes(StoreDirectoryTimes, options.MarkerTimes, options.Time, log);
        _names = new Names(store, options, this, _firstBytes, dataCache, _prefetcher, _markerTimes.Changed, log);
        _staging = new Staging(store, options, _memory, _names, log);
        _versionReader = VersionReader;
        if (options.Meter is { } meter)
        {
            Metrics = new FilesystemMetrics(meter, this);
            _memory.Metrics = Metrics;
            if (dataCache != null) dataCache.Metrics = Metrics;
        }
    }

    internal FilesystemMetrics? Metrics { get; }

    /// <summary>Cached files are handed to the kernel to read itself when the session allows passthrough.</summary>
    internal void UsePassthrough(IPassthroughFiles kernel)
    {
        if (_dataCache != null) _modes = new OpenModes(kernel, _options.Time);
    }

    /// <summary>Settles what a previous mount of this bucket left staged (see StagingRecovery); call before mounting.</summary>
    public Task<RecoveryResult> RecoverStagedAsync(CancellationToken cancellation) => _staging.RecoverAsync(cancellation);

    /// <summary>
    /// Once the mount has ended: uploads what closed files still have pending, and directory times
    /// still to be kept in markers, for at most <paramref name="bound"/> each; returns each file
    /// still not in the bucket as "KEY (kept in PATH)".
    /// </summary>
    public async Task<IReadOnlyList<string>> FinishUploadsAsync(TimeSpan bound)
    {
        var kept = await _staging.FinishAsync(bound).ConfigureAwait(false);
        await _markerTimes.FinishAsync(bound).ConfigureAwait(false);
        return kept;
    }

    /// <summary>Prefetch bytes held now, for diagnostics and tests.</summary>
    public long PrefetchBytesInUse => _memory.Used;

    public int KnownNodes => _names.Count;

    public long MemoryLimit => _memory.Limit;

    public int OpenHandles => _files.Count;

    public int StagedFiles => _staging.Count;

    /// <summary>Closed files not yet in the bucket, their upload being retried, as "KEY (kept in PATH)".</summary>
    public IReadOnlyList<string> PendingUploads => _staging.Pending;

    public long DataCacheBytes => _dataCache?.UsedBytes ?? 0;

    /// <summary>The entry for <paramref name="name"/> in the directory; a missing name is a negative entry, cached for the TTL.</summary>
    internal ValueTask<NodeEntry> LookupAsync(ulong parent, string name, CancellationToken cancellation) => _names.LookupAsync(parent, name, cancellation);

    /// <summary>The kernel drops <paramref name="count"/> references to a node (FORGET).</summary>
    internal void Forget(ulong node, ulong count) => _names.Forget(node, count);

    internal ValueTask<NodeAttr> GetAttrAsync(ulong node, CancellationToken cancellation) => _names.GetAttrAsync(node, cancellation);

    internal Task<byte[]> ReadLinkAsync(ulong node, CancellationToken cancellation) => _names.ReadLinkAsync(node, cancellation);

    internal ulong OpenDirectory(ulong node) => _names.OpenDirectory(node);

    /// <summary>Hands the directory's entries from <paramref name="offset"/> to <paramref name="sink"/> until it takes no more.</summary>
    internal Task ReadDirectoryAsync(ulong handle, long offset, bool plus, DirectorySink sink, CancellationToken cancellation) =>
        _names.ReadDirectoryAsync(handle, offset, plus, sink, cancellation);

    internal void ReleaseDirectory(ulong handle) => _names.ReleaseDirectory(handle);

    internal static FuseStatfs StatFs()
    {
        // Object stores have no fixed capacity: report plenty, as s3fs does.
        const ulong blocks = 1UL << 40;
        return new FuseStatfs
        {
            Blocks = blocks,
            BlocksFree = blocks,
            BlocksAvailable = blocks,
            Files = 1UL << 40,
            FilesFree = 1UL << 40,
            BlockSize = 4096,
            FragmentSize = 4096,
            NameMax = KeyNames.NameMax,
        };
    }

    bool IStagedView.Has(ulong node) => _staging.Has(node);

    EntryAttributes IStagedView.Effective(Inode node) => _staging.Effective(node);

    IEnumerable<Inode> IStagedView.NewFilesIn(ulong directory) => _staging.NewFilesIn(directory);
}
