using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Bucketfs.Core.Read;

/// <summary>
/// Memory for fetched data, mapped from the system rather than taken from the GC heap, so what a
/// reader has consumed goes back at once. Pooled managed arrays did not: stranded in pool threads'
/// caches and in the large-object heap, they held 150-250 MiB after a 2 GiB read (smaps). Buffers
/// come in power-of-two sizes; up to <paramref name="idleAllowance"/>() bytes of returned ones are
/// kept for reuse, the rest are unmapped.
/// </summary>
internal sealed class ReadBuffers(Func<long> idleAllowance)
{
    private const int SmallestShift = 16;
    private readonly ConcurrentStack<ReadBuffer>[] _idle = [.. Enumerable.Range(0, 32 - SmallestShift).Select(_ => new ConcurrentStack<ReadBuffer>())];
    private long _idleBytes;

    /// <summary>A buffer of at least <paramref name="length"/> bytes (at least one).</summary>
    public ReadBuffer Rent(int length)
    {
        int shift = Math.Max(SmallestShift, 32 - BitOperations.LeadingZeroCount((uint)Math.Max(length, 1) - 1));
        if (_idle[shift - SmallestShift].TryPop(out var buffer))
        {
            Interlocked.Add(ref _idleBytes, -buffer.Capacity);
            return buffer;
        }
        return ReadBuffer.Map(1 << shift);
    }

    public void Return(ReadBuffer buffer)
    {
        int index = BitOperations.Log2((uint)buffer.Capacity) - SmallestShift;
        long idleLimit = idleAllowance();
        long idle = Interlocked.Add(ref _idleBytes, buffer.Capacity);
        // Room is made by unmapping idle buffers of other sizes: a sequential reader's requests grow
        // from 1 to 8 MiB, and the small buffers of its start would otherwise crowd out the 8 MiB
        // ones it now cycles through, each then mapped and faulted in afresh.
        for (int i = 0; i < _idle.Length && idle > idleLimit; i++)
            while (i != index && idle > idleLimit && _idle[i].TryPop(out var other))
            {
                idle = Interlocked.Add(ref _idleBytes, -other.Capacity);
                ((IDisposable)other).Dispose();
            }
        if (idle <= idleLimit)
        {
            _idle[index].Push(buffer);
            return;
        }
        Interlocked.Add(ref _idleBytes, -buffer.Capacity);
        ((IDisposable)buffer).Dispose();
    }
}

/// <summary>One anonymous mapping; its pages count toward the process only once written.</summary>
internal sealed unsafe partial class ReadBuffer : MemoryManager<byte>
{
    private readonly byte* _pointer;

    private ReadBuffer(byte* pointer, int capacity)
    {
        _pointer = pointer;
        Capacity = capacity;
    }

    public int Capacity { get; }

    public static ReadBuffer Map(int capacity)
    {
        const int ProtReadWrite = 0x3, MapPrivateAnonymous = 0x22;
        void* pointer = Mmap(null, (nuint)capacity, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        if (pointer == (void*)-1) throw new OutOfMemoryException($"mmap of {capacity} bytes failed: errno {Marshal.GetLastPInvokeError()}");
        return new ReadBuffer((byte*)pointer, capacity);
    }

    public override Span<byte> GetSpan() => new(_pointer, Capacity);

    public Span<byte> Slice(int start, int length) => GetSpan().Slice(start, length);

    // Mapped memory never moves: pinning is free.
    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing) => Munmap(_pointer, (nuint)Capacity);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);
}
