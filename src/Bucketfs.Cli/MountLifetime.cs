using System.Runtime.InteropServices;
using Bucketfs.Fuse.Mounting;
using Bucketfs.Fuse.Session;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli;

/// <summary>Keeps a mount served until it is unmounted from outside or SIGTERM/SIGINT asks the daemon to unmount.</summary>
internal static class MountLifetime
{
    private static readonly TimeSpan UnmountTimeout = TimeSpan.FromSeconds(30);

    public static int Serve(FuseSession session, ILogger log)
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
                session.Unmount(lazy: true);
            }
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        session.Completion.Wait();
        session.Dispose();
        return 0;
    }
}
