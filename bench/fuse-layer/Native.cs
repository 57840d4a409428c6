using System.Runtime.InteropServices;
using System.Text;

namespace Bucketfs.Bench.FuseLayer;

/// <summary>
/// The raw syscalls the client threads use. Nothing here allocates on the managed heap, so the
/// client side of a measured window adds no bytes to the process's allocation count.
/// </summary>
internal static unsafe partial class Sys
{
    private const string Lib = "libc";

    public const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_TRUNC = 0x200, O_CLOEXEC = 0x80000;
    public const int RUSAGE_SELF = 0, RUSAGE_THREAD = 1;
    public const int ENOENT = 2, EINTR = 4;

    /// <summary>O_DIRECT differs between architectures (x86: 040000, arm: 0200000).</summary>
    public static readonly int O_DIRECT =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;

    /// <summary>Offset of st_size in struct stat; the same on x86-64 and arm64.</summary>
    public const int StatSizeOffset = 48;

    /// <summary>Larger than struct stat on every 64-bit Linux (144 bytes on x86-64, 128 on arm64).</summary>
    public const int StatBufferSize = 256;

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* path, int flags, int mode);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Lib, EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "lstat", SetLastError = true)]
    public static partial int LStat(byte* path, byte* statBuffer);

    [LibraryImport(Lib, EntryPoint = "mkdir", SetLastError = true)]
    public static partial int MkDir(byte* path, uint mode);

    [LibraryImport(Lib, EntryPoint = "getrusage", SetLastError = true)]
    public static partial int GetRUsage(int who, RUsage* usage);

    [LibraryImport(Lib, EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGetTime(int clock, Timespec* time);

    [LibraryImport(Lib, EntryPoint = "gettid")]
    public static partial int GetTid();

    [LibraryImport(Lib, EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport(Lib, EntryPoint = "strerror")]
    private static partial nint StrError(int errno);

    public static int LastError => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => $"{Marshal.PtrToStringUTF8(StrError(errno))} (errno {errno})";

    /// <summary>The CPU-time clock of another thread of this process (the kernel's MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)).</summary>
    public static int ThreadCpuClock(int tid) => (~tid << 3) | 4 | 2;

    /// <summary>Nanoseconds a thread of this process has run, or -1 once it is gone.</summary>
    public static long ThreadCpuNanoseconds(int clock)
    {
        Timespec t;
        return ClockGetTime(clock, &t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : -1;
    }

    public static (long UserUs, long SystemUs) Usage(int who)
    {
        RUsage u;
        if (GetRUsage(who, &u) != 0) return (0, 0);
        return (u.UserSeconds * 1_000_000 + u.UserMicroseconds, u.SystemSeconds * 1_000_000 + u.SystemMicroseconds);
    }

    /// <summary>A NUL-terminated UTF-8 copy in native memory; freed with NativeMemory.Free.</summary>
    public static byte* Utf8(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        return p;
    }

    /// <summary>Empties the page cache (clean pages only), so buffered reads reach the filesystem; false if not allowed.</summary>
    public static bool DropCaches()
    {
        byte* path = stackalloc byte[] { (byte)'/', (byte)'p', (byte)'r', (byte)'o', (byte)'c', (byte)'/', (byte)'s', (byte)'y', (byte)'s', (byte)'/',
            (byte)'v', (byte)'m', (byte)'/', (byte)'d', (byte)'r', (byte)'o', (byte)'p', (byte)'_', (byte)'c', (byte)'a', (byte)'c', (byte)'h', (byte)'e', (byte)'s', 0 };
        int fd = Open(path, O_WRONLY | O_CLOEXEC, 0);
        if (fd < 0) return false;
        byte three = (byte)'3';
        bool ok = Write(fd, &three, 1) == 1;
        Close(fd);
        return ok;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        private Rest _rest;

        [System.Runtime.CompilerServices.InlineArray(14)]
        private struct Rest { private long _element; }
    }
}

/// <summary>The deterministic content of the synthetic files: byte i of a file is <see cref="At"/>(i mod Period).</summary>
internal static unsafe class Pattern
{
    /// <summary>Not a power of two, so consecutive 1 MiB requests start at different phases of the pattern.</summary>
    public const int Period = 1_000_003;

    public static byte At(long position) => (byte)((uint)(position % Period) * 2654435761u >> 24);

    /// <summary>Period + <paramref name="tail"/> bytes, so any request of up to <paramref name="tail"/> bytes is one contiguous slice.</summary>
    public static byte* Allocate(int tail)
    {
        int length = Period + tail;
        byte* p = (byte*)NativeMemory.AlignedAlloc((nuint)length, 4096);
        for (int i = 0; i < length; i++) p[i] = At(i);
        return p;
    }
}
