using System.Runtime.InteropServices;

namespace Bucketfs.Fuse.Protocol;

/// <summary>struct fuse_attr: what stat(2) shows for an inode.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseAttr
{
    public ulong Ino;
    public ulong Size;
    public ulong Blocks;
    public ulong Atime;
    public ulong Mtime;
    public ulong Ctime;
    public uint AtimeNsec;
    public uint MtimeNsec;
    public uint CtimeNsec;
    public uint Mode;
    public uint Nlink;
    public uint Uid;
    public uint Gid;
    public uint Rdev;
    public uint BlkSize;
    public uint Flags;

    public void SetAtime(UnixTime t) { Atime = (ulong)t.Seconds; AtimeNsec = t.Nanoseconds; }
    public void SetMtime(UnixTime t) { Mtime = (ulong)t.Seconds; MtimeNsec = t.Nanoseconds; }
    public void SetCtime(UnixTime t) { Ctime = (ulong)t.Seconds; CtimeNsec = t.Nanoseconds; }
    public readonly UnixTime MtimeValue => new((long)Mtime, MtimeNsec);
    public readonly UnixTime AtimeValue => new((long)Atime, AtimeNsec);
    public readonly UnixTime CtimeValue => new((long)Ctime, CtimeNsec);
}

/// <summary>struct fuse_kstatfs: what statfs(2) shows for the mount.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseStatfs
{
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public uint BlockSize;
    public uint NameMax;
    public uint FragmentSize;
    private uint _padding;
    private SpareWords _spare;

    [System.Runtime.CompilerServices.InlineArray(6)]
    private struct SpareWords { private uint _element; }
}

/// <summary>struct fuse_forget_one: the kernel drops <see cref="Lookups"/> references to a node.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseForgetOne
{
    public ulong NodeId;
    public ulong Lookups;
}

/// <summary>A point in time as seconds and nanoseconds since the Unix epoch.</summary>
public readonly record struct UnixTime(long Seconds, uint Nanoseconds)
{
    public static UnixTime Now => FromDateTimeOffset(DateTimeOffset.UtcNow);

    public static UnixTime FromDateTimeOffset(DateTimeOffset t)
    {
        long ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest);
        if (rest < 0) { seconds--; rest += TimeSpan.TicksPerSecond; }
        return new UnixTime(seconds, (uint)(rest * 100));
    }

    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.UnixEpoch.AddTicks(Seconds * TimeSpan.TicksPerSecond + Nanoseconds / 100);
}
