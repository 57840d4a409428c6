using System.Runtime.InteropServices;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>What stat(2) says of a local file, link or folder, as far as a copy keeps it; device and inode number tell folders apart.</summary>
public readonly record struct LocalInode(uint Mode, uint Uid, uint Gid, long Size, DateTimeOffset Modified, (uint Major, uint Minor, ulong Number) Identity);

/// <summary>
/// Owner, full mode and times of local files, which .NET does not expose: statx(2), whose struct
/// has one layout on every architecture, lchown(2), utimensat(2) and rename(2), all without following a link
/// unless asked to.
/// </summary>
internal static unsafe partial class LocalInodes
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7FF;
    private const long UtimeOmit = (1L << 30) - 2;

    // Offsets in struct statx (linux/stat.h).
    private const int UidOffset = 20, GidOffset = 24, ModeOffset = 28, InodeOffset = 32, SizeOffset = 40, MtimeOffset = 112, DeviceOffset = 136;

    public static bool IsRoot { get; } = GetEffectiveUid() == 0;

    /// <summary>The inode at <paramref name="path"/> (the link's own with <paramref name="follow"/> false), or null when there is none.</summary>
    public static LocalInode? Stat(string path, bool follow)
    {
        byte* buffer = stackalloc byte[256];
        if (Statx(AtCurrentDirectory, path, follow ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0) return null;
        long seconds = *(long*)(buffer + MtimeOffset);
        uint nanoseconds = *(uint*)(buffer + MtimeOffset + 8);
        return new LocalInode(
            *(ushort*)(buffer + ModeOffset),
            *(uint*)(buffer + UidOffset),
            *(uint*)(buffer + GidOffset),
            *(long*)(buffer + SizeOffset),
            DateTimeOffset.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + nanoseconds / 100),
            (*(uint*)(buffer + DeviceOffset), *(uint*)(buffer + DeviceOffset + 4), *(ulong*)(buffer + InodeOffset)));
    }

    /// <summary>Gives the file (a link itself, not what it points to) its owner and group.</summary>
    public static void SetOwner(string path, uint uid, uint gid)
    {
        if (LChown(path, uid, gid) != 0) throw Failure("chown", path);
    }

    /// <summary>Sets the modification time of the file, or of a link itself; the access time is left alone.</summary>
    public static void SetModified(string path, DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long* times = stackalloc long[4] { 0, UtimeOmit, Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest), rest * 100 };
        if (rest < 0) { times[2]--; times[3] += TimeSpan.TicksPerSecond * 100; }
        if (UtimensAt(AtCurrentDirectory, path, times, AtSymlinkNoFollow) != 0) throw Failure("utimensat", path);
    }

    /// <summary>Moves a file or link over <paramref name="to"/>, replacing it.</summary>
    public static void Rename(string from, string to)
    {
        if (LibcRename(from, to) != 0) throw Failure("rename", to);
    }

    private static IOException Failure(string call, string path) =>
        new($"{call} {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UtimensAt(int directory, string path, long* times, int flags);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LibcRename(string from, string to);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUid();
}
