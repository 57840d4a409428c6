namespace Bucketfs.Core.Read;

/// <summary>
/// One budget for all fetched data and upload parts. Prefetch only takes what is free, so readers
/// slow down instead of memory growing; the data a reader is waiting for right now, and a part
/// being uploaded, may overdraw it, so a full budget can never stall a read or a close().
/// </summary>
internal sealed class MemoryLimiter
{
    private readonly long _limit;
    private readonly long _mostIdle;
    private long _used;

    public MemoryLimiter(long limit)
    {
        _limit = limit;
        _mostIdle = Math.Min(limit / 4, 32L << 20);
        Buffers = new ReadBuffers(IdleAllowance);
    }

    public long Limit => _limit;

    /// <summary>
    /// Where budgeted data lives. Buffers stay mapped between uses (a quarter of the budget, at most
    /// 32 MiB) only within what the budget leaves free, so data and idle buffers together stay in it.
    /// </summary>
    public ReadBuffers Buffers { get; }

    private long IdleAllowance() => Math.Min(_mostIdle, _limit - Used);

    public long Used => Interlocked.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        long used = Interlocked.Read(ref _used);
        while (used + bytes <= _limit)
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
