namespace Bucketfs.Core.Cache;

/// <summary>
/// The index's record of one cached object. Fields other than the lock-free timestamps are
/// guarded by the cache's lock; <see cref="Files"/> is opened under a lock on the entry itself.
/// </summary>
internal sealed class CacheEntry
{
    public CacheEntry(ObjectId id, long size)
    {
        Id = id;
        Size = size;
        Node = new LinkedListNode<CacheEntry>(this);
    }

    public ObjectId Id { get; }
    public long Size { get; set; }

    /// <summary>Bytes of its blocks counted against the budget.</summary>
    public long Bytes { get; set; }

    /// <summary>Handles open on it in this process: while any is, it is not evicted here.</summary>
    public int Refs { get; set; }

    public ObjectFiles? Files { get; set; }

    /// <summary>Its place in the recency order.</summary>
    public LinkedListNode<CacheEntry> Node { get; }

    /// <summary>When it last moved to the front of the recency order (Environment.TickCount64).</summary>
    public long TouchedAt;

    /// <summary>When its last use was last written to the sidecar's mtime.</summary>
    public long SavedAt;

    /// <summary>The complete data file whose every block was verified, so a later open can skip the check.</summary>
    public FileIdentity? VerifiedComplete { get; set; }
}
