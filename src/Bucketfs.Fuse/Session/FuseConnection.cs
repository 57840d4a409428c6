using Bucketfs.Fuse.Native;
using Bucketfs.Fuse.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Fuse.Session;

/// <summary>
/// The negotiated connection, as the filesystem sees it: what the kernel agreed to, and the calls a
/// filesystem makes to the kernel on its own (cache invalidation, passthrough backing files).
/// Notifications must not be sent from inside a handler for the same inode or directory: the
/// kernel may hold a lock the handler's request is waiting for.
/// </summary>
public sealed unsafe class FuseConnection
{
    private readonly FuseChannel _channel;
    private readonly ILogger _log;

    internal FuseConnection(FuseChannel channel, ILogger log, uint minor, FuseInitFlags flags, int maxWrite, int maxReadahead, string mountpoint)
    {
        _channel = channel;
        _log = log;
        ProtocolMinor = minor;
        Capabilities = flags;
        MaxWrite = maxWrite;
        MaxReadahead = maxReadahead;
        Mountpoint = mountpoint;
    }

    public uint ProtocolMinor { get; }

    /// <summary>The capabilities both sides agreed on.</summary>
    public FuseInitFlags Capabilities { get; }

    public int MaxWrite { get; }

    public int MaxReadahead { get; }

    public string Mountpoint { get; }

    public bool PassthroughEnabled => (Capabilities & FuseInitFlags.Passthrough) != 0;

    /// <summary>Drops cached data of a node from <paramref name="offset"/> for <paramref name="length"/> bytes (0: to the end); a negative offset drops only its attributes. Returns 0 or an errno (ENOENT: the kernel does not know the node).</summary>
    public int InvalidateInode(ulong node, long offset = 0, long length = 0)
    {
        var payload = new NotifyInvalInodeOut { Ino = node, Offset = offset, Length = length };
        return Report(FuseNotifyCode.InvalidateInode, _channel.Notify(FuseNotifyCode.InvalidateInode, (byte*)&payload, sizeof(NotifyInvalInodeOut), default));
    }

    /// <summary>Makes the kernel forget a cached name in a directory.</summary>
    public int InvalidateEntry(ulong parent, ReadOnlySpan<byte> name)
    {
        var payload = new NotifyInvalEntryOut { Parent = parent, NameLength = (uint)name.Length };
        return Report(FuseNotifyCode.InvalidateEntry, _channel.Notify(FuseNotifyCode.InvalidateEntry, (byte*)&payload, sizeof(NotifyInvalEntryOut), name));
    }

    /// <summary>Tells the kernel a name was deleted behind its back (also drops a cached dentry held open).</summary>
    public int NotifyDelete(ulong parent, ulong child, ReadOnlySpan<byte> name)
    {
        var payload = new NotifyDeleteOut { Parent = parent, Child = child, NameLength = (uint)name.Length };
        return Report(FuseNotifyCode.Delete, _channel.Notify(FuseNotifyCode.Delete, (byte*)&payload, sizeof(NotifyDeleteOut), name));
    }

    /// <summary>
    /// Registers an open local file as a passthrough backing file; answer OPEN with the returned id
    /// and <see cref="FuseOpenFlags.Passthrough"/> to let the kernel serve that handle's I/O itself.
    /// Close the id once no open reply will name it again (open handles keep their own reference).
    /// </summary>
    public int OpenBackingFile(SafeFileHandle file)
    {
        if (!PassthroughEnabled) throw new InvalidOperationException("passthrough was not negotiated");
        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            var map = new BackingMap { Fd = (int)file.DangerousGetHandle() };
            int id = LibC.Ioctl(_channel.Fd, LibC.FUSE_DEV_IOC_BACKING_OPEN, &map);
            if (id < 0) throw new IOException($"FUSE_DEV_IOC_BACKING_OPEN: {LibC.Describe(LibC.LastError)}");
            return id;
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    public void CloseBackingFile(int backingId)
    {
        uint id = (uint)backingId;
        if (LibC.Ioctl(_channel.Fd, LibC.FUSE_DEV_IOC_BACKING_CLOSE, &id) != 0)
            throw new IOException($"FUSE_DEV_IOC_BACKING_CLOSE: {LibC.Describe(LibC.LastError)}");
    }

    private int Report(FuseNotifyCode code, int errno)
    {
        if (errno != 0 && errno != Errno.ENOENT) _log.NotifyFailed(code, LibC.Describe(errno));
        return errno;
    }
}
