using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Bucketfs.Bench.FuseLayer;

/// <summary>What one timed pass did: units (requests, stats, files), bytes moved, and whether it hit its deadline.</summary>
internal readonly record struct PassOutcome(long Units, long Bytes, bool Truncated);

/// <summary>
/// The client side: loops of raw syscalls on native buffers and native path strings, so a measured
/// window contains no managed allocation from the client. Each method runs on the phase's client
/// thread and stops at <c>deadline</c> (a Stopwatch timestamp) or on cancellation.
/// </summary>
internal sealed unsafe class Client : IDisposable
{
    private readonly int _chunk;
    private readonly byte* _buffer;
    private readonly byte* _stat;
    private byte* _source;

    public Client(int chunk)
    {
        _chunk = chunk;
        _buffer = (byte*)NativeMemory.AlignedAlloc((nuint)chunk, 4096);
        _stat = (byte*)NativeMemory.AlignedAlloc(Sys.StatBufferSize, 64);
    }

    private static bool Expired(long deadline) => Stopwatch.GetTimestamp() > deadline || Emergency.Cancelled;

    public static int OpenOrThrow(string path, int flags, int mode = 0)
    {
        byte* p = Sys.Utf8(path);
        try
        {
            int fd = Sys.Open(p, flags | Sys.O_CLOEXEC, mode);
            if (fd < 0) throw new IOException($"open {path}: {Sys.Describe(Sys.LastError)}");
            return fd;
        }
        finally
        {
            NativeMemory.Free(p);
        }
    }

    public static void CloseOrThrow(int fd)
    {
        if (Sys.Close(fd) != 0) throw new IOException($"close: {Sys.Describe(Sys.LastError)}");
    }

    /// <summary>Reads <paramref name="size"/> bytes sequentially in chunks with pread, checking samples of the pattern.</summary>
    public PassOutcome ReadSequential(int fd, long size, long deadline)
    {
        long offset = 0, requests = 0;
        while (offset < size)
        {
            if (Expired(deadline)) return new PassOutcome(requests, offset, true);
            int want = (int)Math.Min(_chunk, size - offset);
            nint n = Sys.PRead(fd, _buffer, (nuint)want, offset);
            if (n < 0)
            {
                int errno = Sys.LastError;
                if (errno == Sys.EINTR) continue;
                throw new IOException($"pread at {offset}: {Sys.Describe(errno)}");
            }
            if (n == 0) throw new IOException($"unexpected end of file at {offset} of {size}");
            Verify(offset, (int)n);
            offset += n;
            requests++;
        }
        return new PassOutcome(requests, offset, false);
    }

    private void Verify(long offset, int n)
    {
        if (_buffer[0] != Pattern.At(offset) || _buffer[n / 2] != Pattern.At(offset + n / 2) || _buffer[n - 1] != Pattern.At(offset + n - 1))
            throw new InvalidDataException($"content mismatch in the {n} bytes read at {offset}");
    }

    /// <summary>Writes the pattern sequentially in chunks with pwrite (the memfs set-up).</summary>
    public PassOutcome WriteSequential(int fd, long size, long deadline)
    {
        _source = _source is null ? Pattern.Allocate(_chunk) : _source;
        long offset = 0, requests = 0;
        while (offset < size)
        {
            if (Expired(deadline)) return new PassOutcome(requests, offset, true);
            int want = (int)Math.Min(_chunk, size - offset);
            // Copy to the aligned buffer: O_DIRECT wants aligned memory on most filesystems.
            Buffer.MemoryCopy(_source + offset % Pattern.Period, _buffer, _chunk, want);
            nint n = Sys.PWrite(fd, _buffer, (nuint)want, offset);
            if (n < 0)
            {
                int errno = Sys.LastError;
                if (errno == Sys.EINTR) continue;
                throw new IOException($"pwrite at {offset}: {Sys.Describe(errno)}");
            }
            offset += n;
            requests++;
        }
        return new PassOutcome(requests, offset, false);
    }

    /// <summary>lstat of the first <paramref name="count"/> paths; <paramref name="expectedSize"/>(i) is checked against st_size (-1: not checked).</summary>
    public PassOutcome StatAll(NativePaths paths, int count, Func<int, long> expectedSize, long deadline)
    {
        for (int i = 0; i < count; i++)
        {
            if (Expired(deadline)) return new PassOutcome(i, 0, true);
            if (Sys.LStat(paths[i], _stat) != 0)
                throw new IOException($"lstat {paths.Describe(i)}: {Sys.Describe(Sys.LastError)}");
            long expected = expectedSize(i);
            long actual = *(long*)(_stat + Sys.StatSizeOffset);
            if (expected >= 0 && actual != expected)
                throw new InvalidDataException($"lstat {paths.Describe(i)}: size {actual}, expected {expected}");
        }
        return new PassOutcome(count, 0, false);
    }

    /// <summary>Creates every path as an empty file (open O_CREAT + close).</summary>
    public static PassOutcome CreateAll(NativePaths paths, long deadline)
    {
        for (int i = 0; i < paths.Count; i++)
        {
            if (Expired(deadline)) return new PassOutcome(i, 0, true);
            int fd = Sys.Open(paths[i], Sys.O_CREAT | Sys.O_WRONLY | Sys.O_CLOEXEC, 0x1A4); // 0644
            if (fd < 0) throw new IOException($"create {paths.Describe(i)}: {Sys.Describe(Sys.LastError)}");
            if (Sys.Close(fd) != 0) throw new IOException($"close {paths.Describe(i)}: {Sys.Describe(Sys.LastError)}");
        }
        return new PassOutcome(paths.Count, 0, false);
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_buffer);
        NativeMemory.AlignedFree(_stat);
        if (_source is not null) NativeMemory.AlignedFree(_source);
    }
}

/// <summary>Paths as NUL-terminated UTF-8 in native memory, built once before any window.</summary>
internal sealed unsafe class NativePaths : IDisposable
{
    private readonly byte*[] _paths;

    public NativePaths(IReadOnlyList<string> paths)
    {
        _paths = new byte*[paths.Count];
        for (int i = 0; i < paths.Count; i++) _paths[i] = Sys.Utf8(paths[i]);
    }

    public int Count => _paths.Length;

    public byte* this[int i] => _paths[i];

    public string Describe(int i) => Marshal.PtrToStringUTF8((nint)_paths[i]) ?? "?";

    public void Dispose()
    {
        foreach (byte* p in _paths) NativeMemory.Free(p);
    }
}
