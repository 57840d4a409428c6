using System.Diagnostics.Metrics;

namespace Bucketfs.Fuse.Session;

/// <summary>What the session negotiates with the kernel and how it serves requests.</summary>
public sealed record SessionOptions
{
    /// <summary>Threads reading /dev/fuse, each on its own cloned descriptor.</summary>
    public int ReaderThreads { get; init; } = Math.Clamp(Environment.ProcessorCount * 2, 2, 8);

    /// <summary>Largest WRITE (and READ, through max_pages) request, in bytes.</summary>
    public int MaxWrite { get; init; } = 1 << 20;

    /// <summary>Background requests (readahead, async direct I/O) the kernel keeps in flight.</summary>
    public int MaxBackground { get; init; } = 64;

    /// <summary>Offer FUSE passthrough when the kernel has it and this process may register backing files (root).</summary>
    public bool Passthrough { get; init; } = true;

    /// <summary>
    /// Page-cache invalidation: false lets the kernel drop cached pages when it sees a new mtime or
    /// size (AUTO_INVAL_DATA); true leaves it to the filesystem's explicit notifications.
    /// </summary>
    public bool ExplicitInvalidateData { get; init; }

    /// <summary>Let the kernel cache READLINK answers.</summary>
    public bool CacheSymlinks { get; init; } = true;

    /// <summary>Requests held at once (each owns a buffer of MaxWrite + 4 KiB); readers wait when all are busy.</summary>
    public int MaxRequestsInFlight { get; init; } = 96;

    /// <summary>Readahead of buffered reads in KiB, set through sysfs when running as root (0 leaves the kernel's 128 KiB).</summary>
    public int ReadAheadKb { get; init; } = 8192;

    /// <summary>
    /// Bound on the time a caller waits for an answer (see <see cref="FuseRequest.CancellationToken"/>):
    /// a handler still waiting then is cancelled and the caller gets EIO. Null: no bound.
    /// </summary>
    public TimeSpan? RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where FUSE operations are counted and timed (bucketfs.fuse.*); null: nowhere.</summary>
    public Meter? Meter { get; init; }

    internal int BufferSize => MaxWrite + 4096;
}
