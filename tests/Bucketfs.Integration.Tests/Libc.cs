using System.Runtime.InteropServices;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// The libc calls the tests make directly: .NET ignores what close() returns and (seen with strace
/// on .NET 10) an EIO from fsync too, so only these show an upload failing to the program.
/// </summary>
internal static partial class Libc
{
    public const int O_WRONLY = 0x1, O_RDWR = 0x2, O_CREAT = 0x40, O_TRUNC = 0x200, O_APPEND = 0x400;
    public const int SIGINT = 2, SIGTERM = 15;
    public const int AT_FDCWD = -100;
    public const uint RENAME_NOREPLACE = 1;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, ReadOnlySpan<byte> buffer, nint count);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, ReadOnlySpan<byte> buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    /// <summary>Writes all of <paramref name="data"/> in one write(2), or throws with the errno.</summary>
    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        nint n = Write(fd, data, data.Length);
        if (n != data.Length) throw new IOException($"write returned {n}, errno {Marshal.GetLastPInvokeError()}");
    }
}
