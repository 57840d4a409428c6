using System.Diagnostics;
using Bucketfs.Fuse.Native;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Fuse.Mounting;

/// <summary>Attaches a new FUSE connection to a directory and returns its /dev/fuse descriptor.</summary>
internal static class FuseMount
{
    public static int Mount(MountOptions options, ILogger log)
    {
        string mountpoint = Path.GetFullPath(options.Mountpoint);
        Unmounter.ClearIfStale(mountpoint, log);
        if (!Directory.Exists(mountpoint))
            throw new FuseMountException($"mountpoint {mountpoint} does not exist or is not a directory");
        if (LibC.GetEffectiveUid() == 0 && !options.ForceFusermount)
            return MountAsRoot(options, mountpoint);
        return FusermountClient.Mount(options, mountpoint);
    }

    private static int MountAsRoot(MountOptions options, string mountpoint)
    {
        int fd = LibC.Open("/dev/fuse", LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0) throw new FuseMountException($"cannot open /dev/fuse: {LibC.Describe(LibC.LastError)}");
        uint flags = LibC.MS_NOSUID | LibC.MS_NODEV | (options.ReadOnly ? LibC.MS_RDONLY : 0);
        string data = options.FormatKernelData(fd, LibC.GetEffectiveUid(), LibC.GetEffectiveGid());
        if (LibC.Mount(options.FsName, mountpoint, "fuse." + options.Subtype, flags, data) == 0)
            return fd;
        int errno = LibC.LastError;
        LibC.Close(fd);
        throw new FuseMountException($"mount {mountpoint}: {LibC.Describe(errno)}");
    }
}

/// <summary>Mounting or unmounting failed; the message is meant for the user as it is.</summary>
public sealed class FuseMountException(string message) : Exception(message);

/// <summary>Runs fusermount3, the setuid helper that mounts for unprivileged users, and receives the descriptor it opens.</summary>
internal static unsafe class FusermountClient
{
    private const int F_SETFD = 2;
    private const int FD_CLOEXEC = 1;
    public const string Program = "fusermount3";
    private static readonly TimeSpan HelperTimeout = TimeSpan.FromSeconds(30);

    public static int Mount(MountOptions options, string mountpoint)
    {
        int* pair = stackalloc int[2];
        if (LibC.SocketPair(LibC.AF_UNIX, LibC.SOCK_STREAM, 0, pair) != 0)
            throw new FuseMountException($"socketpair: {LibC.Describe(LibC.LastError)}");
        int ours = pair[0], theirs = pair[1];
        // Only the helper's end may be inherited; ours is marked close-on-exec.
        LibC.Fcntl(ours, F_SETFD, FD_CLOEXEC);
        try
        {
            var start = new ProcessStartInfo(Program)
            {
                RedirectStandardError = true,
                UseShellExecute = false,
                ArgumentList = { "-o", options.FormatFusermountOptions(), "--", mountpoint },
            };
            start.Environment["_FUSE_COMMFD"] = theirs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var helper = StartHelper(start);
            LibC.Close(theirs);
            theirs = -1;
            int fd = ReceiveFd(ours);
            var stderr = helper.StandardError.ReadToEndAsync();
            if (!helper.WaitForExit(HelperTimeout))
            {
                helper.Kill();
                throw new FuseMountException($"{Program} did not finish within {HelperTimeout.TotalSeconds} s");
            }
            if (fd < 0 || helper.ExitCode != 0)
            {
                if (fd >= 0) LibC.Close(fd);
                throw new FuseMountException($"{Program} failed: {stderr.Result.Trim()}");
            }
            LibC.Fcntl(fd, F_SETFD, FD_CLOEXEC);
            return fd;
        }
        finally
        {
            LibC.Close(ours);
            if (theirs >= 0) LibC.Close(theirs);
        }
    }

    public static Process StartHelper(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new FuseMountException($"{Program} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FuseMountException($"cannot run {Program} (install the fuse3 package): {e.Message}");
        }
    }

    /// <summary>Receives one descriptor passed with SCM_RIGHTS; -1 when the helper closed the socket without sending one.</summary>
    private static int ReceiveFd(int socket)
    {
        byte data;
        var iov = new LibC.IoVec { Base = &data, Length = 1 };
        // CMSG_SPACE(sizeof(int)) on 64-bit: a 16-byte cmsghdr and the int, padded to 8.
        byte* control = stackalloc byte[24];
        new Span<byte>(control, 24).Clear();
        var message = new LibC.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 24 };
        nint n;
        do n = LibC.RecvMsg(socket, &message, 0);
        while (n < 0 && LibC.LastError == Errno.EINTR);
        if (n <= 0) return -1;
        int level = *(int*)(control + 8), type = *(int*)(control + 12);
        if (message.ControlLength < 20 || level != LibC.SOL_SOCKET || type != LibC.SCM_RIGHTS) return -1;
        return *(int*)(control + 16);
    }
}
