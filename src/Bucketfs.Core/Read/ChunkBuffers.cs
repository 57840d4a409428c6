using System.Numerics;

namespace Bucketfs.Core.Read;

/// <summary>
/// Buffers for fetched data, reused by power-of-two size. The shared ArrayPool keeps up to 32
/// arrays per size and core, so after a sequential read (1, 2, 4 then 8 MiB requests) it held
/// several times the prefetch budget; here what is kept idle is bounded in bytes, and a buffer
/// beyond that goes back to the GC.
/// </summary>
internal sealed class ChunkBuffers(long idleLimit)
{
    private const int SmallestShift = 16;
    private const int LargestShift = 24;
    private readonly Lock _lock = new();
    private readonly Stack<byte[]>[] _idle = Enumerable.Range(0, LargestShift - SmallestShift + 1).Select(_ => new Stack<byte[]>()).ToArray();
    private long _idleBytes;

    public byte[] Rent(int length)
    {
        int shift = Math.Max(SmallestShift, 32 - BitOperations.LeadingZeroCount((uint)Math.Max(length - 1, 1)));
        if (shift > LargestShift) return GC.AllocateUninitializedArray<byte>(length);
        lock (_lock)
        {
            if (_idle[shift - SmallestShift].TryPop(out var buffer))
            {
                _idleBytes -= buffer.Length;
                return buffer;
            }
        }
        return GC.AllocateUninitializedArray<byte>(1 << shift);
    }

    public void Return(byte[] buffer)
    {
        if (!BitOperations.IsPow2(buffer.Length) || buffer.Length < 1 << SmallestShift || buffer.Length > 1 << LargestShift) return;
        lock (_lock)
        {
            if (_idleBytes + buffer.Length > idleLimit) return;
            _idle[BitOperations.Log2((uint)buffer.Length) - SmallestShift].Push(buffer);
            _idleBytes += buffer.Length;
        }
    }
}
