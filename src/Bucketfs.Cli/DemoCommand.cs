using System.CommandLine;
using Bucketfs.Fuse.Mounting;
using Bucketfs.Fuse.Session;
using Bucketfs.MemoryFs;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli;

/// <summary>`bucketfs demo MOUNTPOINT`: serves an empty in-memory filesystem in the foreground.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var mountpoint = new Argument<string>("mountpoint") { Description = "Directory to mount on" };
        var allowOther = new Option<bool>("--allow-other") { Description = "Let other users in" };
        var debug = new Option<bool>("--debug") { Description = "Log every request" };
        var command = new Command("demo", "Mount an in-memory filesystem (the FUSE layer's test bed) and serve it until unmounted")
        {
            mountpoint, allowOther, debug,
        };
        command.SetAction(result =>
        {
            using var logs = Logging.Create(result.GetValue(debug));
            var log = logs.CreateLogger("bucketfs");
            var options = new MountOptions { Mountpoint = result.GetValue(mountpoint)!, FsName = "memory", Subtype = OwnMounts.Subtype, AllowOther = result.GetValue(allowOther) };
            try
            {
                var fs = new MemoryFileSystem(Fuse.Native.Identity.Uid, Fuse.Native.Identity.Gid);
                var session = FuseSession.Mount(fs, options, new SessionOptions(), log);
                Console.Out.WriteLine($"mounted {session.Mountpoint}");
                Console.Out.Flush();
                return MountLifetime.Serve(session, log, _ => Task.FromResult<IReadOnlyList<string>>([]));
            }
            catch (FuseMountException e)
            {
                Console.Error.WriteLine($"bucketfs: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
