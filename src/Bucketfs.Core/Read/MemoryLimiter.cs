namespace Bucketfs.Core.Read;

/// <summary>
/// One budget for all fetched data and upload parts. Prefetch only takes what is free, so readers
/// slow down instead of memory growing; the data a reader is waiting for right now, and a part
/// being uploaded, may overdraw it, so a full budget can never stall a read or a close(). What each
/// <see cref="MemoryArea"/> holds is counted too, for diagnostics; the limit is on the total.
/// </summary>
internal sealed class MemoryLimiter
{
    private readonly long _limit;
    private readonly long _mostIdle;
    private readonly long[] _areas = new long[Enum.GetValues<MemoryArea>().Length];
    private readonly Lock _lock = new();
    private long _used;
    // Set while someone waits for memory to be freed; a release completes and clears it.
    private TaskCompletionSource? _freed;

    public MemoryLimiter(long limit)
    {
        _limit = limit;
        _mostIdle = Math.Min(limit / 4, 32L << 20);
        Buffers = new ReadBuffers(IdleAllowance);
    }

    public long Limit => _limit;

    /// <summary>The mount's instruments, for the readers that share this budget; null when nothing is measured.</summary>
    public FilesystemMetrics? Metrics { get; set; }

    /// <summary>
    /// Where budgeted data lives. Buffers stay mapped between uses (a quarter of the budget, at most
    /// 32 MiB) only within what the budget leaves free, so data and idle buffers together stay in it.
    /// </summary>
    public ReadBuffers Buffers { get; }

    private long IdleAllowance() => Math.Min(_mostIdle, _limit - Used);

    /// <summary>Bytes held over every area.</summary>
    public long Used => Interlocked.Read(ref _used);

    /// <summary>Bytes held by <paramref name="area"/>.</summary>
    public long UsedBy(MemoryArea area) => Interlocked.Read(ref _areas[(int)area]);

    /// <summary>Takes <paramref name="bytes"/> only if they are free.</summary>
    public bool TryReserve(MemoryArea area, long bytes)
    {
        long used = Interlocked.Read(ref _used);
        while (used + bytes <= _limit)
        {
            long seen = Interlocked.CompareExchange(ref _used, used + bytes, used);
            if (seen == used)
            {
                Interlocked.Add(ref _areas[(int)area], bytes);
                return true;
            }
            used = seen;
        }
        return false;
    }

    /// <summary>Takes <paramref name="bytes"/> once they are free, waking when memory is released rather than polling.</summary>
    public async Task ReserveWhenFreeAsync(MemoryArea area, long bytes, CancellationToken cancellation)
    {
        while (!TryReserve(area, bytes))
        {
            Task freed;
            lock (_lock) freed = (_freed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            // A release between the failed try and the signal being set saw no one waiting: try once more.
            if (TryReserve(area, bytes)) return;
            await freed.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>Takes <paramref name="bytes"/> whether they are free or not.</summary>
    public void Reserve(MemoryArea area, long bytes)
    {
        Interlocked.Add(ref _used, bytes);
        Interlocked.Add(ref _areas[(int)area], bytes);
    }

    /// <summary>Hands a reservation from one area to another (a body fetched with a lookup becomes a reader's chunk).</summary>
    public void Move(long bytes, MemoryArea from, MemoryArea to)
    {
        Interlocked.Add(ref _areas[(int)from], -bytes);
        Interlocked.Add(ref _areas[(int)to], bytes);
    }

    public void Release(MemoryArea area, long bytes)
    {
        Interlocked.Add(ref _areas[(int)area], -bytes);
        Interlocked.Add(ref _used, -bytes);
        // Only a waiter makes a release take the lock; reads mostly have none.
        if (Volatile.Read(ref _freed) != null) Wake();
    }

    private void Wake()
    {
        TaskCompletionSource? freed;
        lock (_lock)
        {
            freed = _freed;
            _freed = null;
        }
        freed?.TrySetResult();
    }
}
