namespace Bucketfs.Core.Read;

/// <summary>
/// A byte range of an object being fetched (or fetched) into a pooled buffer. Readers use it under
/// a reference (the kernel's answer is written from it directly); the buffer goes back to the pool
/// and the budget once the chunk is dropped, its GET has finished and no reader holds it.
/// </summary>
internal sealed class Chunk
{
    private readonly MemoryLimiter _limiter;
    private readonly ReadBuffer _buffer;
    private int _references = 1;
    private bool _readAhead, _read;

    public Chunk(long start, int length, MemoryLimiter limiter, ReadBuffer? filled = null)
    {
        Start = start;
        Length = length;
        _limiter = limiter;
        _buffer = filled ?? limiter.Buffers.Rent(length);
        if (filled != null) Filled = Task.FromResult(length);
    }

    public long Start { get; }
    public int Length { get; }
    public long End => Start + Length;

    /// <summary>Bytes actually received (fewer than Length only at the end of the object).</summary>
    public Task<int> Filled { get; private set; } = null!;

    public Memory<byte> Target => _buffer.Memory[..Length];

    /// <summary>Starts the fetch; a chunk fetched <paramref name="readAhead"/> of its reader counts as prefetch used or wasted when let go.</summary>
    public void Begin(Task<int> fill, bool readAhead)
    {
        Filled = fill;
        _readAhead = readAhead;
        // The GET writes into the buffer until it ends, so the fetch itself holds a reference.
        Interlocked.Increment(ref _references);
        fill.ContinueWith(static (_, state) => ((Chunk)state!).Unref(), this, TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>Takes a reader's reference; only called while the chunk is in its reader's window, so it is alive.</summary>
    public void Ref()
    {
        _read = true;
        Interlocked.Increment(ref _references);
    }

    /// <summary>What this chunk holds of [offset, offset + length); the chunk must be filled and referenced.</summary>
    public ReadOnlySpan<byte> Data(long offset, int length)
    {
        int filled = Filled.Result;
        int from = (int)(offset - Start);
        return from >= filled ? default : _buffer.Slice(from, Math.Min(length, filled - from));
    }

    /// <summary>Drops the owner's reference (when the chunk leaves the reader's window) or a reader's.</summary>
    public void Unref()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        if (_readAhead) _limiter.Metrics?.Prefetched(Length, _read);
        _limiter.Release(MemoryArea.Prefetch, Length);
        _limiter.Buffers.Return(_buffer);
    }
}
