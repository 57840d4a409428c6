using System.CommandLine;
using Bucketfs.Cli.Mount;
using Bucketfs.Fuse.Mounting;

namespace Bucketfs.Cli.Operations;

/// <summary>
/// `bucketfs list`: every bucketfs mount on the machine, from the mount table, with what its
/// daemon recorded (source, pid, options, log file) and its health: serving (its control socket
/// answers), not answering, or dead (the daemon is gone and the mountpoint gives "Transport
/// endpoint is not connected"; `bucketfs unmount` clears it).
/// </summary>
internal static class ListCommand
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var command = new Command("list", "Every bucketfs mount on this machine: source, daemon, options, log file and health");
        command.Aliases.Add("status");
        command.SetAction((_, _) => RunAsync());
        return command;
    }

    private static async Task<int> RunAsync()
    {
        var mounts = Unmounter.MountsOfType("fuse." + OwnMounts.Subtype);
        if (mounts.Count == 0)
        {
            Console.WriteLine("no bucketfs mounts");
            return 0;
        }
        // Asked all at once: a daemon that does not answer costs the timeout once, not once per mount.
        var rows = await Task.WhenAll(mounts.Select(m => DescribeAsync(m.Mountpoint, m.Source)));
        foreach (string row in rows) Console.Write(row);
        return 0;
    }

    private static async Task<string> DescribeAsync(string mountpoint, string device)
    {
        var record = MountRecord.Find(mountpoint);
        string health = Unmounter.IsStale(mountpoint) ? "dead (daemon gone; bucketfs unmount clears it)"
            : await ControlSocket.AskAsync(MountRecord.SocketOf(mountpoint), AskTimeout) is { } status ? $"serving, {status.PendingUploads.Count} uploads pending"
            : record is null ? "unknown (mounted by another user, or by bucketfs demo)"
            : "not answering";
        string source = record?.Source ?? device;
        var text = new System.Text.StringBuilder().AppendLine($"{mountpoint}  {source}  {health}");
        if (record != null)
        {
            text.AppendLine($"  pid {record.Pid}{(record.LogFile is null ? "" : $", log {record.LogFile}")}");
            if (!string.IsNullOrEmpty(record.Options)) text.AppendLine($"  options {record.Options}");
        }
        return text.ToString();
    }
}
