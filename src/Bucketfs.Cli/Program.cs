using System.CommandLine;
using System.CommandLine.Invocation;
using Bucketfs.Cli;
using Bucketfs.Cli.Mount;

// Socket receives are finished on the socket event loop rather than each handed to the thread pool:
// a sequential read costs the daemon about a third less CPU. Safe because the store buffers the
// answers the SDK parses synchronously and hands every finished call back to the pool (S3HttpClients,
// S3ObjectStore.Call). Read by the runtime at the first socket, so it is set before anything else;
// "0" in the environment turns it off.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null) Environment.SetEnvironmentVariable(InlineCompletions, "1");

var root = new RootCommand("bucketfs: object storage buckets as ordinary directories, through FUSE.\n" +
    "  bucketfs mount s3://BUCKET[/PREFIX] MOUNTPOINT [options]\n" +
    "  bucketfs BUCKET[:/PREFIX] MOUNTPOINT -o opt,opt   (s3fs form, used by mount(8) for fstab lines of type fuse.bucketfs)");
root.Subcommands.Add(MountCommand.Create());
root.Subcommands.Add(UnmountCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(CacheCommand.Create());
root.Subcommands.Add(RecoverCommand.Create());
root.Subcommands.Add(Bucketfs.Cli.Transfer.CopyCommand.Create(sync: false));
root.Subcommands.Add(Bucketfs.Cli.Transfer.CopyCommand.Create(sync: true));
root.Subcommands.Add(Bucketfs.Cli.Transfer.ChangesCommand.Create());
root.Subcommands.Add(Bucketfs.Cli.Operations.StatsCommand.Create());
root.Subcommands.Add(Bucketfs.Cli.Operations.ListCommand.Create());
new MountCommand().AttachTo(root);
// Help lists the root's arguments in every subcommand's usage line ("bucketfs <source> <mountpoint>
// mount ..."); the description above shows the s3fs form instead.
foreach (var argument in root.Arguments) argument.Hidden = true;
var parsed = root.Parse(args);
if (parsed.Action is ParseErrorAction)
{
    Console.Error.WriteLine($"bucketfs: {ParseErrors.Describe(parsed)}");
    return ExitCodes.Usage;
}
try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (UsageException e)
{
    Console.Error.WriteLine($"bucketfs: {e.Message}");
    return ExitCodes.Usage;
}
catch (Exception e)
{
    // What no command foresaw still ends as one line: the first of its message, no stack trace.
    Console.Error.WriteLine($"bucketfs: {e.Message.Split('\n')[0].Trim()}");
    return ExitCodes.Failure;
}
