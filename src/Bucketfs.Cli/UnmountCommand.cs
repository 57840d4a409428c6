using System.CommandLine;
using Bucketfs.Fuse.Mounting;

namespace Bucketfs.Cli;

/// <summary>`bucketfs unmount MOUNTPOINT [--lazy]`: bucketfs mounts only; retries "target is busy" for a bounded time.</summary>
internal static class UnmountCommand
{
    public static Command Create()
    {
        var mountpoint = new Argument<string>("mountpoint") { Description = "The mounted directory" };
        var lazy = new Option<bool>("--lazy", "-l") { Description = "Detach now; the mount goes away when its last file is closed" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to keep retrying while busy", DefaultValueFactory = _ => 10, CustomParser = OptionValues.Parser(OptionValues.Whole) };
        var command = new Command("unmount", "Unmount a bucketfs mount") { mountpoint, lazy, timeout };
        command.Aliases.Add("umount");
        command.SetAction(result =>
        {
            string path = result.GetValue(mountpoint)!;
            // Only what bucketfs mounted: this command is no general umount.
            if (OwnMounts.Refusal(path) is { } refusal) return Fail(refusal);
            try
            {
                Unmounter.Unmount(path, result.GetValue(lazy), TimeSpan.FromSeconds(result.GetValue(timeout)));
                return 0;
            }
            catch (FuseMountException e)
            {
                return Fail(e.Message);
            }
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"bucketfs: {message}");
        return ExitCodes.Failure;
    }
}
