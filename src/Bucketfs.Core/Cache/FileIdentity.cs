using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Core.Cache;

/// <summary>
/// Which file a handle is open on: device and inode, plus the change time, because an inode
/// number freed by an eviction is soon handed to the next file created.
/// </summary>
internal sealed partial record FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode, long ChangedSeconds, uint ChangedNanoseconds)
{
    private const int AtEmptyPath = 0x1000;
    private const uint StatxCtime = 0x80;
    private const uint StatxIno = 0x100;
    // struct statx is the same on every architecture, unlike struct stat.
    private const int StatxSize = 256;

    public static unsafe FileIdentity Of(SafeFileHandle file)
    {
        byte* buffer = stackalloc byte[StatxSize];
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            if (Statx((int)file.DangerousGetHandle(), "", AtEmptyPath, StatxIno | StatxCtime, buffer) != 0)
                throw new IOException($"statx failed with errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
        var statx = new ReadOnlySpan<byte>(buffer, StatxSize);
        return new FileIdentity(
            DeviceMajor: MemoryMarshal.Read<uint>(statx[136..]),
            DeviceMinor: MemoryMarshal.Read<uint>(statx[140..]),
            Inode: MemoryMarshal.Read<ulong>(statx[32..]),
            ChangedSeconds: MemoryMarshal.Read<long>(statx[96..]),
            ChangedNanoseconds: MemoryMarshal.Read<uint>(statx[104..]));
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);
}
