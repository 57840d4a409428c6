using System.CommandLine;
using System.Diagnostics;
using Bucketfs.ObjectStore.Transfer;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli.Transfer;

/// <summary>
/// `bucketfs copy SRC DST` and `bucketfs sync SRC DST`, with rclone's flags where they mean the
/// same. Each side is a local path or a store location; a thin shell over <see cref="Transfers"/>.
/// </summary>
internal sealed class CopyCommand
{
    private readonly Argument<string> Source = new("source") { Description = "A local folder, " + TransferLocations.StoreForms };
    private readonly Argument<string> Destination = new("destination") { Description = "A local path, " + TransferLocations.StoreForms };
    private readonly Option<string?> TransfersOption = new("--transfers") { Description = "Files copied at once (default 4)" };
    private readonly Option<string?> Checkers = new("--checkers") { Description = "Files compared at once (default 8)" };
    private readonly Option<string?> Streams = new("--multi-thread-streams") { Description = "Parts of one large file moved at once (default 4)" };
    private readonly Option<bool> Progress = new("--progress", "-P") { Description = "Show progress: in place on a terminal, a line every 5 s otherwise" };
    private readonly Option<bool> DryRun = new("--dry-run", "-n") { Description = "Say what would be copied (and deleted), change nothing" };
    private readonly Option<string[]> Includes = new("--include") { Description = "Only keys matching this glob (rclone's syntax; repeatable)" };
    private readonly Option<string[]> Excludes = new("--exclude") { Description = "Not keys matching this glob (repeatable)" };
    private readonly Option<string?> FilesFrom = new("--files-from") { Description = "Only the keys listed in this file, one a line ('-': standard input; # comments)" };
    private readonly Option<bool> Checksum = new("--checksum", "-c") { Description = "Compare by MD5 (ETag) and size, not modification time and size" };
    private readonly Option<bool> CopyLinks = new("--copy-links", "-L") { Description = "Copy what local symbolic links point to, not the links (which otherwise go up as s3fs stores links)" };
    private readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Log each file copied or deleted" };
    private readonly TransferLocations _locations = new(writes: true);
    private readonly bool _sync;

    private CopyCommand(bool sync) => _sync = sync;

    public static Command Create(bool sync)
    {
        var command = sync
            ? new Command("sync", "Make DESTINATION the same as SOURCE: copy what differs, then delete what SOURCE does not have (only if every copy succeeded)")
            : new Command("copy", "Copy the files of SOURCE that DESTINATION lacks or has differently; nothing is deleted");
        new CopyCommand(sync).AttachTo(command);
        return command;
    }

    private void AttachTo(Command command)
    {
        command.Arguments.Add(Source);
        command.Arguments.Add(Destination);
        foreach (var option in new Option[] { TransfersOption, Checkers, Streams, Progress, DryRun, Includes, Excludes, FilesFrom, Checksum, CopyLinks, Verbose }) command.Options.Add(option);
        _locations.AttachTo(command);
        command.SetAction(Run);
    }

    private int Run(ParseResult r)
    {
        var options = Options(r);
        int connections = options.Transfers * options.Streams + options.Checkers + 8;
        // The SDK holds a pool thread now and then (synchronous parsing, signing): with the pool
        // growing a thread every half second, 32 transfers started slowly (500 small files: 5.2 s
        // against 4.1 s with the threads there from the start).
        ThreadPool.GetMinThreads(out int workers, out int completions);
        ThreadPool.SetMinThreads(Math.Max(workers, options.Transfers + options.Checkers), completions);
        string sourceLocation = r.GetValue(Source)!, destinationLocation = r.GetValue(Destination)!;
        bool localSource = TransferLocations.StoreSource(sourceLocation) is null;
        TransferLocations.StoreSource(destinationLocation);
        if (localSource && !Directory.Exists(sourceLocation))
        {
            Console.Error.WriteLine($"bucketfs: source {sourceLocation} is not a folder");
            return ExitCodes.Failure;
        }
        using var logs = Logging.Create(r.GetValue(Verbose));
        var log = logs.CreateLogger("bucketfs");
        var source = _locations.Side(r, sourceLocation, connections, log, r.GetValue(CopyLinks));
        var destination = _locations.Side(r, destinationLocation, connections, log);
        using var interrupt = new Interruption();
        var progress = new TransferProgress();
        var clock = Stopwatch.StartNew();
        TransferSummary summary;
        var view = r.GetValue(Progress) ? new ProgressView(progress, Console.Out, !Console.IsOutputRedirected, TimeProvider.System) : null;
        try
        {
            summary = Transfers.RunAsync(source, destination, options, progress, log, interrupt.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine($"bucketfs: interrupted after copying {progress.FilesDone} files; run the same command again to finish");
            return 130;
        }
        finally
        {
            view?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        Report(summary, options.DryRun, clock.Elapsed);
        return summary.Succeeded ? 0 : ExitCodes.Failure;
    }

    private TransferOptions Options(ParseResult r)
    {
        var defaults = new TransferOptions();
        KeyFilter filter;
        try
        {
            filter = new KeyFilter(r.GetValue(Includes) ?? [], r.GetValue(Excludes) ?? []);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        return defaults with
        {
            Transfers = Count(r, TransfersOption) ?? defaults.Transfers,
            Checkers = Count(r, Checkers) ?? defaults.Checkers,
            Streams = Count(r, Streams) ?? defaults.Streams,
            DryRun = r.GetValue(DryRun),
            Checksum = r.GetValue(Checksum),
            Delete = _sync,
            Filter = filter,
            Keys = r.GetValue(FilesFrom) is { } list ? KeyList(list) : null,
        };
    }

    private static int? Count(ParseResult r, Option<string?> option) =>
        r.GetValue(option) is { } text ? OptionValues.Count(option.Name, text) : null;

    /// <summary>Keys of a --files-from list, read as the copy goes (a list may be long).</summary>
    private static IAsyncEnumerable<string> KeyList(string path)
    {
        if (path != "-" && !File.Exists(path)) throw new UsageException($"--files-from '{path}': no such file");
        var lines = path == "-" ? Lines(Console.In) : File.ReadLines(path);
        return lines.Select(line => line.TrimEnd('\r').TrimStart('/')).Where(line => line.Length > 0 && !line.StartsWith('#')).ToAsyncEnumerable();
    }

    private static IEnumerable<string> Lines(TextReader reader)
    {
        while (reader.ReadLine() is { } line) yield return line;
    }

    private static void Report(TransferSummary s, bool dryRun, TimeSpan elapsed)
    {
        string verb = dryRun ? "would copy" : "copied";
        string rate = elapsed.TotalSeconds > 0 && !dryRun ? $" ({ProgressView.Size((long)(s.CopiedBytes / elapsed.TotalSeconds))}/s)" : "";
        string deleted = s.Deleted > 0 ? $", {(dryRun ? "would delete" : "deleted")} {s.Deleted}" : "";
        Console.Out.WriteLine($"{verb} {s.Copied} files ({ProgressView.Size(s.CopiedBytes)}), skipped {s.Skipped} already there{deleted}, failed {s.Failed}, in {elapsed.TotalSeconds:0.0} s{rate}");
        foreach (var failure in s.Failures) Console.Out.WriteLine($"failed: {failure.Key}: {failure.Reason}");
        if (s.Failed > s.Failures.Count) Console.Out.WriteLine($"failed: and {s.Failed - s.Failures.Count} more");
        if (s.DeletionsHeldBack > 0) Console.Out.WriteLine($"not deleted: {s.DeletionsHeldBack} files the source does not have, because of the failures");
        Console.Out.Flush();
    }
}
