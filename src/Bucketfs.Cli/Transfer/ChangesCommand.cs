using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using Bucketfs.ObjectStore;
using Bucketfs.ObjectStore.Changes;
using Bucketfs.ObjectStore.Transfer;

namespace Bucketfs.Cli.Transfer;

/// <summary>
/// `bucketfs changes LOCATION --state FILE [--commit] [-- COMMAND...]`: the objects added or
/// changed since the snapshot in FILE. The new snapshot replaces FILE only with --commit, or when
/// COMMAND, given the list on its standard input, exits 0: a failed run sees the same objects again.
/// </summary>
internal sealed class ChangesCommand
{
    private readonly Argument<string> Location = new("location") { Description = "A local path, " + TransferLocations.StoreForms };
    private readonly Argument<string[]> CommandLine = new("command") { Description = "After --: a command run with the list on its standard input; the state moves on only if it exits 0", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string> State = new("--state") { Description = "The snapshot file of the previous run (missing: everything is new)", Required = true };
    private readonly Option<bool> Commit = new("--commit") { Description = "Store the new snapshot after listing (without a command)" };
    private readonly Option<bool> Deleted = new("--deleted") { Description = "List deleted objects too" };
    private readonly Option<string?> Format = new("--format") { Description = "keys (default: one key a line, for xargs and copy --files-from), status ('A', 'M' or 'D', a tab, the key) or json (one object a line)" };
    private readonly Option<bool> Null = new("--null", "-0") { Description = "End each record with NUL instead of a line break (xargs -0)" };
    private readonly TransferLocations _locations = new(writes: false);

    public static Command Create()
    {
        var command = new Command("changes", "List the objects added or changed since the last run, and remember this run's listing");
        new ChangesCommand().AttachTo(command);
        return command;
    }

    private void AttachTo(Command command)
    {
        command.Arguments.Add(Location);
        command.Arguments.Add(CommandLine);
        foreach (var option in new Option[] { State, Commit, Deleted, Format, Null }) command.Options.Add(option);
        _locations.AttachTo(command);
        command.SetAction(Run);
    }

    private int Run(ParseResult r)
    {
        var format = ChangeFormat.Parse(Format.Name, r.GetValue(Format), r.GetValue(Null));
        string[] run = r.GetValue(CommandLine) ?? [];
        // Without --, a mistyped option would be run as the command, and the command's own options taken as ours.
        if (run.Length > 0 && !r.Tokens.Any(t => t.Type == TokenType.DoubleDash))
            throw new UsageException(run[0].StartsWith('-') ? $"unknown option {run[0]}" : $"'{run[0]}': a command to run goes after --, as in: bucketfs changes LOCATION --state FILE -- COMMAND...");
        if (run.Length > 0 && r.GetValue(Commit)) throw new UsageException("--commit and a command: the command's exit status decides whether the state moves on");
        using var logs = Logging.Create(debug: false);
        var side = _locations.Side(r, r.GetValue(Location)!, connections: 8, logs.CreateLogger("bucketfs"));
        string state = r.GetValue(State)!;
        using var interrupt = new Interruption();
        var clock = Stopwatch.StartNew();
        using var previous = Open(() => new SnapshotReader(state, side.Description));
        using var next = Open(() => new SnapshotWriter(state, side.Description));
        string? listFile = run.Length > 0 ? Path.Combine(Path.GetTempPath(), $"bucketfs-changes-{Environment.ProcessId}-{Guid.NewGuid():N}") : null;
        try
        {
            var counts = new long[3];
            using (var output = listFile is null ? Console.OpenStandardOutput() : File.Create(listFile))
            using (var writer = new StreamWriter(output, bufferSize: 1 << 16))
            {
                var changes = ChangeDetection.CompareAsync(previous, Listing(side, interrupt.Token), next, r.GetValue(Deleted), interrupt.Token);
                foreach (var change in changes.ToBlockingEnumerable(interrupt.Token))
                {
                    counts[(int)change.Kind]++;
                    format.Write(writer, change);
                }
            }
            int status = 0;
            bool commit = r.GetValue(Commit);
            if (listFile != null)
            {
                status = RunCommand(run, listFile, counts[0] + counts[1] + counts[2]);
                commit = status == 0;
            }
            if (commit) next.Commit();
            Console.Error.WriteLine($"bucketfs: {counts[0]} added, {counts[1]} changed{(r.GetValue(Deleted) ? $", {counts[2]} deleted" : "")} of {next.Count} objects in {clock.Elapsed.TotalSeconds:0.0} s; " +
                (commit ? $"{state} now holds this listing" : listFile != null ? $"the command failed (exit {status}): {state} unchanged" : $"{state} unchanged (--commit stores this listing)"));
            return status;
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine($"bucketfs: interrupted; {state} unchanged");
            return 130;
        }
        finally
        {
            if (listFile != null) File.Delete(listFile);
        }
    }

    private static T Open<T>(Func<T> open)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new UsageException($"--state: {e.Message}");
        }
    }

    private static async IAsyncEnumerable<ObjectInfo> Listing(ITransferSide side, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        // Folder markers and empty folders are no objects a pipeline processes.
        await foreach (var entry in side.ListAsync(cancellation).ConfigureAwait(false))
            if (!entry.IsFolder) yield return new ObjectInfo(entry.Key, entry.Size, entry.ETag ?? "", entry.Modified);
    }

    /// <summary>Runs the command with the list on its standard input (and its path in BUCKETFS_CHANGES_FILE); its exit status.</summary>
    private static int RunCommand(string[] command, string listFile, long count)
    {
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (string arg in command[1..]) start.ArgumentList.Add(arg);
        start.Environment["BUCKETFS_CHANGES_FILE"] = listFile;
        start.Environment["BUCKETFS_CHANGES_COUNT"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"bucketfs: cannot run {command[0]}: {e.Message}");
            return ExitCodes.Failure;
        }
        using (process)
        {
            var feed = Task.Run(() =>
            {
                try
                {
                    using var list = File.OpenRead(listFile);
                    list.CopyTo(process.StandardInput.BaseStream);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The command stopped reading (or never read): its exit status is what counts.
                }
            });
            process.WaitForExit();
            feed.Wait();
            return process.ExitCode;
        }
    }
}
