using System.CommandLine;
using Bucketfs.Cli.Mount;
using Bucketfs.Core.Write;
using Bucketfs.Fuse.Mounting;

namespace Bucketfs.Cli;

/// <summary>
/// `bucketfs unmount MOUNTPOINT [--lazy]`: bucketfs mounts only; retries "target is busy" for a
/// bounded time, then waits (as long again at most) for the daemon to finish its uploads, and fails
/// naming every closed file that is still not in the bucket.
/// </summary>
internal static class UnmountCommand
{
    public static Command Create()
    {
        var mountpoint = new Argument<string>("mountpoint") { Description = "The mounted directory" };
        var lazy = new Option<bool>("--lazy", "-l") { Description = "Detach now; the mount goes away when its last file is closed" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to keep retrying while busy, and then to wait for pending uploads", DefaultValueFactory = _ => 10, CustomParser = OptionValues.Parser(OptionValues.Whole) };
        var command = new Command("unmount", "Unmount a bucketfs mount") { mountpoint, lazy, timeout };
        command.Aliases.Add("umount");
        command.SetAction(result =>
        {
            string path = result.GetValue(mountpoint)!;
            // Only what bucketfs mounted: this command is no general umount.
            if (OwnMounts.Refusal(path) is { } refusal) return Fail(refusal);
            var record = MountRecord.Find(path);
            var bound = TimeSpan.FromSeconds(result.GetValue(timeout));
            try
            {
                Unmounter.Unmount(path, result.GetValue(lazy), bound);
            }
            catch (FuseMountException e)
            {
                return Fail(e.Message);
            }
            return record is null ? 0 : AfterDaemon(record, bound);
        });
        return command;
    }

    private static int AfterDaemon(MountRecord record, TimeSpan bound)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (record.DaemonRunning && clock.Elapsed < bound) Thread.Sleep(50);
        var pending = KeptFiles.PendingIn(record.StagingDirectory);
        if (pending.Count == 0) return 0;
        string then = record.DaemonRunning
            ? $"the daemon (pid {record.Pid}) is still trying; what it cannot upload, the next mount of {record.Source} with the same --cache-dir will"
            : $"the next mount of {record.Source} with the same --cache-dir uploads them";
        return Fail($"{pending.Count} closed file(s) not in the bucket yet: {string.Join(", ", pending.Select(f => f.Key))}; kept in {record.StagingDirectory}; {then}");
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"bucketfs: {message}");
        return ExitCodes.Failure;
    }
}
