using System.Buffers;

namespace Bucketfs.Core.Read;

/// <summary>
/// A byte range of an object being fetched (or fetched) into a pooled buffer. Readers copy out
/// under a reference; the buffer goes back to the pool and the budget once the chunk is dropped,
/// its GET has finished and no reader holds it.
/// </summary>
internal sealed class Chunk
{
    private readonly MemoryLimiter _limiter;
    private readonly byte[] _buffer;
    private int _references = 1;

    public Chunk(long start, int length, MemoryLimiter limiter, byte[]? filled = null)
    {
        Start = start;
        Length = length;
        _limiter = limiter;
        _buffer = filled ?? ArrayPool<byte>.Shared.Rent(length);
        if (filled != null) Filled = Task.FromResult(length);
    }

    public long Start { get; }
    public int Length { get; }
    public long End => Start + Length;

    /// <summary>Bytes actually received (fewer than Length only at the end of the object).</summary>
    public Task<int> Filled { get; private set; } = null!;

    public Memory<byte> Target => _buffer.AsMemory(0, Length);

    public void Begin(Task<int> fill)
    {
        Filled = fill;
        // The GET writes into the buffer until it ends, so the fetch itself holds a reference.
        Interlocked.Increment(ref _references);
        fill.ContinueWith(static (_, state) => ((Chunk)state!).Unref(), this, TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>Takes a reader's reference; only called while the chunk is in its reader's window, so it is alive.</summary>
    public void Ref() => Interlocked.Increment(ref _references);

    /// <summary>Copies what this chunk holds of [offset, offset + destination.Length); the chunk must be filled and referenced.</summary>
    public int CopyTo(long offset, Span<byte> destination)
    {
        int filled = Filled.Result;
        int from = (int)(offset - Start);
        if (from >= filled) return 0;
        int n = Math.Min(destination.Length, filled - from);
        _buffer.AsSpan(from, n).CopyTo(destination);
        return n;
    }

    /// <summary>Drops the owner's reference (when the chunk leaves the reader's window) or a reader's.</summary>
    public void Unref()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _limiter.Release(Length);
    }
}
