using System.Diagnostics;
using Bucketfs.Fuse.Native;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.Fuse.Mounting;

/// <summary>Detaches FUSE mounts: umount2 as root, fusermount3 -u otherwise, retrying while the mount is busy.</summary>
public static class Unmounter
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Unmounts, retrying "target is busy" with back-off until <paramref name="timeout"/>. A lazy
    /// unmount detaches at once and lets open files finish.
    /// </summary>
    public static void Unmount(string mountpoint, bool lazy, TimeSpan timeout, ILogger? log = null)
    {
        log ??= NullLogger.Instance;
        string path = Path.GetFullPath(mountpoint);
        var clock = Stopwatch.StartNew();
        var delay = FirstRetry;
        while (true)
        {
            var (errno, message) = TryUnmount(path, lazy);
            if (errno == 0) return;
            if (errno != Errno.EBUSY)
                throw new FuseMountException($"unmount {path}: {message}");
            if (clock.Elapsed + delay > timeout)
                throw new FuseMountException($"unmount {path}: target is busy (a process has a file or its working directory inside); close it or unmount lazily");
            log.UnmountBusy(path, (int)delay.TotalMilliseconds);
            Thread.Sleep(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestRetry.Ticks));
        }
    }

    /// <summary>True when stat of the path fails with ENOTCONN: a FUSE mount whose daemon died.</summary>
    public static bool IsStale(string mountpoint) => LibC.StatErrno(mountpoint) == Errno.ENOTCONN;

    /// <summary>Whether a mount sits exactly on this path (from /proc/self/mountinfo).</summary>
    public static bool IsMountpoint(string mountpoint) => MountTable.DeviceAt(mountpoint) != null;

    /// <summary>
    /// The filesystem type of the mount sitting exactly on this path, as /proc/self/mountinfo shows it
    /// ("fuse." and the subtype of <see cref="MountOptions"/> for FUSE mounts), or null when nothing
    /// is. Read from the mount table, so it answers for a dead FUSE mount too.
    /// </summary>
    public static string? FilesystemTypeAt(string mountpoint) => MountTable.TypeAt(mountpoint);

    /// <summary>Every mount of filesystem type <paramref name="type"/>, as /proc/self/mountinfo lists them: mountpoint and source.</summary>
    public static IReadOnlyList<(string Mountpoint, string Source)> MountsOfType(string type) => MountTable.OfType(type);

    internal static void ClearIfStale(string mountpoint, ILogger log)
    {
        if (!IsStale(mountpoint)) return;
        log.ClearingStaleMount(mountpoint);
        var (errno, message) = TryUnmount(mountpoint, lazy: true);
        if (errno != 0 || IsStale(mountpoint))
            throw new FuseMountException($"{mountpoint} is a dead FUSE mount (transport endpoint is not connected) and clearing it failed: {message}");
    }

    private static (int Errno, string Message) TryUnmount(string path, bool lazy)
    {
        if (LibC.GetEffectiveUid() == 0)
        {
            if (LibC.Umount2(path, (lazy ? LibC.MNT_DETACH : 0) | LibC.UMOUNT_NOFOLLOW) == 0) return (0, "");
            int errno = LibC.LastError;
            return (errno, errno == Errno.EINVAL ? "not mounted" : LibC.Describe(errno));
        }
        return RunFusermount(path, lazy);
    }

    private static (int Errno, string Message) RunFusermount(string path, bool lazy)
    {
        var start = new ProcessStartInfo(FusermountClient.Program)
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(lazy ? "-uz" : "-u");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(path);
        using var helper = FusermountClient.StartHelper(start);
        var stderr = helper.StandardError.ReadToEndAsync();
        if (!helper.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            helper.Kill();
            return (Errno.ETIMEDOUT, $"{FusermountClient.Program} -u did not finish");
        }
        if (helper.ExitCode == 0) return (0, "");
        string message = stderr.Result.Trim();
        return (message.Contains("busy", StringComparison.OrdinalIgnoreCase) ? Errno.EBUSY : Errno.EIO, message);
    }
}
