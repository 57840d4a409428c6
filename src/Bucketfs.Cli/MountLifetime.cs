using System.Runtime.InteropServices;
using Bucketfs.Fuse.Mounting;
using Bucketfs.Fuse.Session;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli;

/// <summary>
/// Keeps a mount served until it is unmounted from outside or SIGTERM/SIGINT asks the daemon to
/// unmount, then gives uploads still pending a bounded time to finish.
/// </summary>
internal static class MountLifetime
{
    private static readonly TimeSpan UnmountTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long uploads that failed at close are still tried once the mount has ended.</summary>
    public static readonly TimeSpan UploadDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Exit code 1 when files that were closed are still not in the bucket at the end.</summary>
    public static int Serve(FuseSession session, ILogger log, Func<TimeSpan, Task<IReadOnlyList<string>>> finishUploads)
    {
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            log.LogInformation("{Signal}: unmounting {Mountpoint}", context.Signal, session.Mountpoint);
            try
            {
                session.Unmount(lazy: false, UnmountTimeout);
            }
            catch (FuseMountException e)
            {
                log.LogWarning("{Message}; detaching lazily", e.Message);
                // An exception out of a signal handler aborts the process, uploads and all.
                try
                {
                    session.Unmount(lazy: true);
                }
                catch (FuseMountException again)
                {
                    log.LogError("{Message}; the mount ends when it is unmounted from outside or its last file is closed", again.Message);
                }
            }
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        session.Completion.Wait();
        session.Dispose();
        var left = finishUploads(UploadDrainTimeout).GetAwaiter().GetResult();
        foreach (string file in left)
            log.LogError("Not uploaded when the mount ended: {File}; the next mount of this bucket with the same --cache-dir uploads it", file);
        return left.Count == 0 ? 0 : 1;
    }
}
