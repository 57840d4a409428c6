using Bucketfs.Core.Cache;
using Bucketfs.ObjectStore;

namespace Bucketfs.Core.Read;

/// <summary>
/// Reads one version of one object for one open handle. Sequential reading grows a window that is
/// fetched ahead as parallel ranged GETs; a random read fetches only the aligned blocks it needs.
/// Every GET carries If-Match with the ETag seen at open, so data of two versions never mix; the key
/// is asked for at each fetch, so a file renamed through the mount while open reads on from its new
/// name. With a local data cache, chunks come from it when it holds every block, and what is
/// fetched goes into it.
/// </summary>
internal sealed class ObjectReader(IObjectStore store, Func<string> key, string etag, long size, MemoryLimiter limiter, ReadTuning tuning,
    CachedObject? cached = null, (ReadBuffer Buffer, int Length)? first = null) : IDisposable
{
    private readonly Lock _lock = new();

    /// <summary>The version this reader reads.</summary>
    public string ETag => etag;
    // The object's first bytes may have come with its lookup (see FirstBytes); the budget they hold passes to this chunk.
    private readonly List<Chunk> _chunks = first is { } f ? [new Chunk(0, f.Length, limiter, f.Buffer)] : [];
    private long _fetchedUpTo = first?.Length ?? 0;
    private long _window = tuning.InitialWindow;
    private bool _disposed;
    // What this handle cost, for the debug log at close: a sequential read that costs more than it
    // should shows here as bytes fetched beyond the object's size, restarts, stragglers or holes.
    private long _fetchedBytes;
    private int _gets, _restarts, _stragglers, _holes;

    public long Size => size;

    /// <summary>
    /// The chunks that hold [offset, offset + length), fetching what is missing and reading ahead;
    /// planned once per read, so a read that has to wait is not taken for the next one.
    /// </summary>
    public ReadLease Lease(long offset, int length)
    {
        int wanted = Wanted(offset, length);
        return new ReadLease(wanted == 0 ? [] : Plan(offset, wanted), offset, wanted);
    }

    /// <summary>Waits until the lease's data has arrived; when it cannot, the lease is given back and the error thrown.</summary>
    public async Task<ReadLease> WaitAsync(ReadLease lease, CancellationToken cancellation)
    {
        try
        {
            foreach (var chunk in lease.Chunks)
            {
                try
                {
                    await chunk.Filled.WaitAsync(cancellation).ConfigureAwait(false);
                }
                catch (ObjectStoreException e) when (e.Error != StoreError.PreconditionFailed)
                {
                    // A failed fetch is not kept: the next read of this range asks the store again.
                    Forget(chunk);
                    throw;
                }
            }
        }
        catch
        {
            lease.Dispose();
            throw;
        }
        return lease;
    }

    private int Wanted(long offset, int length) => offset >= size ? 0 : (int)Math.Min(length, size - offset);

    /// <summary>
    /// Makes sure chunks cover [offset, offset + length), schedules read-ahead, and returns the
    /// covering chunks, each with a reference the lease drops.
    /// </summary>
    private List<Chunk> Plan(long offset, int length)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            long end = offset + length;
            bool inWindow = _chunks.Count > 0 && offset >= _chunks[0].Start - tuning.SequentialSlack && offset <= _fetchedUpTo + tuning.SequentialSlack;
            if (!inWindow && _chunks.Count > 0 && offset < _chunks[0].Start && offset >= _chunks[0].Start - tuning.MaxWindow)
            {
                _stragglers++;
                return Straggler(offset, end);
            }
            if (!inWindow && _chunks.Count > 0) _restarts++;
            if (inWindow || offset == 0)
            {
                if (!inWindow)
                {
                    // A first read from the start: begin a sequential window.
                    DropAll();
                    _window = tuning.InitialWindow;
                    _fetchedUpTo = 0;
                }
                // Reads arrive slightly out of order with async readahead: keep a margin behind,
                // unless the budget is spent. Then chunks go as soon as they are read, and what a
                // read must fetch is fetched in small requests: with many readers, margins and
                // large demand requests (each over the budget) had held more than the budget itself.
                bool spent = limiter.Used >= limiter.Limit;
                long slack = spent ? 0 : tuning.SequentialSlack;
                while (_chunks.Count > 0 && _chunks[0].End <= offset - slack) Drop(0);
                bool caughtUp = Arriving(offset);
                Cover(offset, end, spent ? tuning.InitialWindow : RequestSize());
                ReadAhead(end, caughtUp);
            }
            else
            {
                // A random read: aligned blocks around it, nothing ahead.
                DropAll();
                _window = tuning.InitialWindow;
                long blockStart = offset / tuning.RandomBlock * tuning.RandomBlock;
                _fetchedUpTo = blockStart;
                Cover(blockStart, end, tuning.RandomBlock);
            }

            var covering = new List<Chunk>(2);
            foreach (var chunk in _chunks)
            {
                if (chunk.End <= offset) continue;
                if (chunk.Start >= end) break;
                chunk.Ref();
                covering.Add(chunk);
            }
            return covering;
        }
    }

    /// <summary>
    /// Fetches ahead up to the window, then widens it: up to <see cref="ReadTuning.MaxWindow"/> with
    /// every read ahead, and past it only while the reader catches up with data still arriving, which
    /// is what a window smaller than the store's bandwidth-delay product looks like from here.
    /// </summary>
    private void ReadAhead(long readEnd, bool caughtUp)
    {
        while (_fetchedUpTo < size && _fetchedUpTo - readEnd < _window)
            if (!Fetch(_fetchedUpTo, RequestSize(), demand: false)) return;
        // A small budget never makes the window smaller than a reader not caught up gets.
        long largest = caughtUp ? Math.Max(tuning.MaxWindow, Math.Min(tuning.LargestWindow, limiter.Limit * 3 / 4)) : tuning.MaxWindow;
        _window = Math.Max(_window, Math.Min(_window * 2, largest));
    }

    /// <summary>Whether the chunk a read starts in is still being fetched.</summary>
    private bool Arriving(long offset)
    {
        foreach (var chunk in _chunks)
            if (chunk.Start <= offset && offset < chunk.End) return !chunk.Filled.IsCompleted;
        return false;
    }

    private int RequestSize() => (int)Math.Clamp(_window / 4, tuning.InitialWindow, tuning.MaxRequest);

    /// <summary>Fetches whatever part of [offset, end) no chunk holds yet, keeping chunks ordered by offset.</summary>
    private void Cover(long offset, long end, int requestSize)
    {
        long position = offset;
        for (int i = 0; i < _chunks.Count && position < end; i++)
        {
            var chunk = _chunks[i];
            if (chunk.End <= position) continue;
            if (chunk.Start > position)
            {
                // A hole before this chunk: a read behind the window, or after a failed fetch.
                _holes++;
                Add(i, position, (int)(Math.Min(chunk.Start, end) - position));
                i++;
            }
            position = chunk.End;
        }
        // Past every chunk now, so new ones are appended in order.
        for (; position < end && position < size; position = _fetchedUpTo)
            Fetch(position, requestSize, demand: true);
    }

    private bool Fetch(long start, int length, bool demand)
    {
        length = (int)Math.Min(length, size - start);
        if (length <= 0) return false;
        if (!demand && !limiter.TryReserve(MemoryArea.Prefetch, length)) return false;
        Add(_chunks.Count, start, length, reserved: !demand);
        _fetchedUpTo = start + length;
        return true;
    }

    private void Add(int index, long start, int length, bool reserved = false) => _chunks.Insert(index, Begin(start, length, reserved));

    private Chunk Begin(long start, int length, bool reserved)
    {
        if (!reserved) limiter.Reserve(MemoryArea.Prefetch, length);
        var chunk = new Chunk(start, length, limiter);
        chunk.Begin(FetchAsync(chunk, reserved), readAhead: reserved);
        return chunk;
    }

    /// <summary>
    /// A read from behind the window. The kernel sends a sequential reader's readahead as several
    /// reads at once, and on a busy machine one of them can arrive megabytes late. Taking it for a
    /// seek dropped the window and made the reads after it fetch everything again (one 2 GiB read
    /// cost twice the CPU); it is fetched on its own instead, and the window stays.
    /// </summary>
    private List<Chunk> Straggler(long offset, long end)
    {
        long start = offset / tuning.RandomBlock * tuning.RandomBlock;
        long blockEnd = Math.Min(size, (end + tuning.RandomBlock - 1) / tuning.RandomBlock * tuning.RandomBlock);
        // The chunk's first reference is the lease's: it is freed once the answer is sent.
        return [Begin(start, (int)(blockEnd - start), reserved: false)];
    }

    private async Task<int> FetchAsync(Chunk chunk, bool readAhead)
    {
        if (cached != null)
        {
            // A chunk a read waits for is read from the cache at once, so the read is answered
            // without a thread switch; read-ahead leaves the caller (and the reader's lock) first.
            if (readAhead) await Task.Yield();
            bool hit = cached.TryRead(chunk.Start, chunk.Target.Span);
            limiter.Metrics?.CacheRead(hit, chunk.Length);
            if (hit) return chunk.Length;
        }
        Interlocked.Increment(ref _gets);
        Interlocked.Add(ref _fetchedBytes, chunk.Length);
        // Read-ahead outlives the request that scheduled it, so it is bounded by the store's own
        // timeouts rather than by a caller's cancellation.
        int n = await (chunk.Start == 0 && chunk.End == size
            ? store.ReadWholeAsync(key(), chunk.Target, etag, CancellationToken.None)
            : store.ReadAsync(key(), chunk.Start, chunk.Target, etag, CancellationToken.None)).ConfigureAwait(false);
        // If-Match pins the version, so its bytes are all there: fewer means the store answered wrongly.
        if (n != chunk.Length)
            throw new ObjectStoreException(StoreError.Unavailable, $"read {key()} at {chunk.Start}: {n} of {chunk.Length} bytes came of a {size}-byte version");
        cached?.Store(chunk.Start, chunk.Target.Span[..n]);
        return n;
    }

    private void Forget(Chunk chunk)
    {
        lock (_lock)
        {
            int index = _chunks.IndexOf(chunk);
            if (index < 0) return;
            // Everything after the hole is dropped too, so the fetched range stays contiguous.
            for (int i = _chunks.Count - 1; i >= index; i--) Drop(i);
            _fetchedUpTo = chunk.Start;
        }
    }

    private void Drop(int index)
    {
        var chunk = _chunks[index];
        _chunks.RemoveAt(index);
        chunk.Unref();
    }

    private void DropAll()
    {
        for (int i = _chunks.Count - 1; i >= 0; i--) Drop(i);
    }

    public override string ToString() =>
        $"{Volatile.Read(ref _gets)} GETs, {Interlocked.Read(ref _fetchedBytes)} bytes of {size} fetched, {_restarts} window restarts, {_stragglers} stragglers, {_holes} holes filled, window {_window >> 20} MiB";

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            DropAll();
        }
        cached?.Dispose();
    }
}

