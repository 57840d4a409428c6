namespace Bucketfs.Core.Read;

/// <summary>
/// One budget for all prefetched data. Prefetch only takes what is free, so readers slow down
/// instead of memory growing; the data a reader is waiting for right now may overdraw the budget
/// by that one request, so a full budget can never stall a read.
/// </summary>
internal sealed class MemoryLimiter(long limit)
{
    private long _used;

    public long Limit => limit;

    /// <summary>Where budgeted data lives; a quarter of the budget (at most 32 MiB) stays mapped between uses.</summary>
    public ReadBuffers Buffers { get; } = new(Math.Min(limit / 4, 32L << 20));

    public long Used => Interlocked.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        long used = Interlocked.Read(ref _used);
        while (used + bytes <= limit)
        {
            long seen = Interlocked.CompareExchange(ref _used, used + bytes, used);
            if (seen == used) return true;
            used = seen;
        }
        return false;
    }

    public void Reserve(long bytes) => Interlocked.Add(ref _used, bytes);

    public void Release(long bytes) => Interlocked.Add(ref _used, -bytes);
}
