using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Fuse.Session;

/// <summary>The answer to a name lookup: which node, its attributes, and how long the kernel may cache each.</summary>
public struct FuseEntry
{
    public ulong NodeId;
    public ulong Generation;
    public FuseAttr Attr;
    public TimeSpan EntryTimeout;
    public TimeSpan AttrTimeout;

    /// <summary>A negative entry: the name does not exist, and the kernel may remember that for <paramref name="timeout"/>.</summary>
    public static FuseEntry Negative(TimeSpan timeout) => new() { EntryTimeout = timeout };

    internal readonly void WriteTo(ref EntryOut output)
    {
        output.NodeId = NodeId;
        output.Generation = Generation;
        (output.EntryValid, output.EntryValidNsec) = Split(EntryTimeout);
        (output.AttrValid, output.AttrValidNsec) = Split(AttrTimeout);
        output.Attr = Attr;
        output.Attr.Ino = Attr.Ino == 0 ? NodeId : Attr.Ino;
    }

    internal static (ulong Seconds, uint Nanoseconds) Split(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero) return (0, 0);
        long ticks = timeout.Ticks;
        return ((ulong)(ticks / TimeSpan.TicksPerSecond), (uint)(ticks % TimeSpan.TicksPerSecond * 100));
    }
}
