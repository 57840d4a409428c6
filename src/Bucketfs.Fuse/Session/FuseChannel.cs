using Bucketfs.Fuse.Native;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Fuse.Session;

/// <summary>
/// One file descriptor on the FUSE connection: /dev/fuse itself or a clone of it. A reply must be
/// written to the descriptor its request was read from, so every request remembers its channel.
/// </summary>
internal sealed unsafe class FuseChannel : IDisposable
{
    private readonly FuseSession _session;
    private int _fd;

    public FuseChannel(FuseSession session, int fd)
    {
        _session = session;
        _fd = fd;
    }

    public int Fd => _fd;

    /// <summary>Opens a new descriptor bound to the same connection as <paramref name="master"/>.</summary>
    public static int Clone(int master)
    {
        int fd = LibC.Open("/dev/fuse", LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0) throw new IOException($"open /dev/fuse for a clone: {LibC.Describe(LibC.LastError)}");
        uint source = (uint)master;
        if (LibC.Ioctl(fd, LibC.FUSE_DEV_IOC_CLONE, &source) != 0)
        {
            int errno = LibC.LastError;
            LibC.Close(fd);
            throw new IOException($"FUSE_DEV_IOC_CLONE: {LibC.Describe(errno)}");
        }
        return fd;
    }

    /// <summary>Reads one request; returns its length, or the negated errno (ENODEV once unmounted).</summary>
    public int Read(byte* buffer, int capacity)
    {
        while (true)
        {
            nint n = LibC.Read(_fd, buffer, (nuint)capacity);
            if (n >= 0) return (int)n;
            int errno = LibC.LastError;
            // EINTR: a signal; EAGAIN: another reader took it; ENOENT: the request was interrupted before we read it.
            if (errno is Errno.EINTR or Errno.EAGAIN or Errno.ENOENT) continue;
            return -errno;
        }
    }

    /// <summary>Writes a reply: the header (length and unique filled in here) and an optional payload, in one writev.</summary>
    public void Send(FuseRequest request, ref OutHeader header, byte* payload, int length)
    {
        header.Length = (uint)(sizeof(OutHeader) + length);
        header.Unique = request.Unique;
        fixed (OutHeader* h = &header)
        {
            LibC.IoVec* iov = stackalloc LibC.IoVec[2];
            iov[0] = new LibC.IoVec { Base = h, Length = (nuint)sizeof(OutHeader) };
            iov[1] = new LibC.IoVec { Base = payload, Length = (nuint)length };
            Check(request, LibC.Writev(_fd, iov, length > 0 ? 2 : 1));
        }
    }

    /// <summary>Writes a reply whose payload is in two pieces, in one writev.</summary>
    public void Send(FuseRequest request, ref OutHeader header, byte* first, int firstLength, byte* second, int secondLength)
    {
        header.Length = (uint)(sizeof(OutHeader) + firstLength + secondLength);
        header.Unique = request.Unique;
        fixed (OutHeader* h = &header)
        {
            LibC.IoVec* iov = stackalloc LibC.IoVec[3];
            iov[0] = new LibC.IoVec { Base = h, Length = (nuint)sizeof(OutHeader) };
            iov[1] = new LibC.IoVec { Base = first, Length = (nuint)firstLength };
            iov[2] = new LibC.IoVec { Base = second, Length = (nuint)secondLength };
            Check(request, LibC.Writev(_fd, iov, 3));
        }
    }

    public void SendRaw(FuseRequest request, byte* message, int length) =>
        Check(request, LibC.Write(_fd, message, (nuint)length));

    /// <summary>Writes an unsolicited notification (unique 0, error = notify code).</summary>
    public int Notify(FuseNotifyCode code, byte* payload, int length, ReadOnlySpan<byte> name)
    {
        var header = new OutHeader { Length = (uint)(sizeof(OutHeader) + length + (name.IsEmpty ? 0 : name.Length + 1)), Error = (int)code };
        byte nul = 0;
        fixed (byte* n = name)
        {
            LibC.IoVec* iov = stackalloc LibC.IoVec[4];
            iov[0] = new LibC.IoVec { Base = &header, Length = (nuint)sizeof(OutHeader) };
            iov[1] = new LibC.IoVec { Base = payload, Length = (nuint)length };
            iov[2] = new LibC.IoVec { Base = n, Length = (nuint)name.Length };
            iov[3] = new LibC.IoVec { Base = &nul, Length = 1 };
            return LibC.Writev(_fd, iov, name.IsEmpty ? 2 : 4) >= 0 ? 0 : LibC.LastError;
        }
    }

    private void Check(FuseRequest request, nint written)
    {
        if (written >= 0) return;
        int errno = LibC.LastError;
        // ENOENT: the kernel already gave up on the request (interrupted or aborted); ENODEV: unmounted.
        if (errno is Errno.ENOENT or Errno.ENODEV) return;
        _session.Log.ReplyFailed(request.Opcode, request.Unique, LibC.Describe(errno));
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) LibC.Close(fd);
    }
}
