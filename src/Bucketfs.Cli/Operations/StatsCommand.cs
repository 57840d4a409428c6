using System.CommandLine;
using Bucketfs.Cli.Mount;

namespace Bucketfs.Cli.Operations;

/// <summary>
/// `bucketfs stats MOUNTPOINT [--watch]`: a live view of one mount through its control socket,
/// found from the mountpoint. Rates are over one interval: the view asks twice, that far apart.
/// </summary>
internal static class StatsCommand
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var mountpoint = new Argument<string>("mountpoint") { Description = "A directory bucketfs has mounted" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Keep showing the figures, every interval, until interrupted" };
        var interval = new Option<int>("--interval") { Description = "Seconds the rates are measured over (default 1, at most 30)", DefaultValueFactory = _ => 1, CustomParser = OptionValues.Parser(OptionValues.Whole) };
        var command = new Command("stats", "Throughput, requests, cache hits, memory and pending uploads of a running mount") { mountpoint, watch, interval };
        command.SetAction((result, cancellation) => RunAsync(result.GetValue(mountpoint)!, result.GetValue(watch), TimeSpan.FromSeconds(Math.Clamp(result.GetValue(interval), 1, (int)LiveFigures.IdleAfter.TotalSeconds / 2)), cancellation));
        return command;
    }

    private static async Task<int> RunAsync(string mountpoint, bool watch, TimeSpan interval, CancellationToken cancellation)
    {
        if (OwnMounts.Refusal(mountpoint) is { } refusal) return ExitCodes.Fail(refusal);
        string socket = MountRecord.SocketOf(Path.GetFullPath(mountpoint));
        var before = await ControlSocket.AskAsync(socket, AskTimeout);
        if (before is null) return ExitCodes.Fail($"the daemon of {Path.GetFullPath(mountpoint)} does not answer (not running, or mounted by another user)");
        try
        {
            do
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await Task.Delay(interval, cancellation);
                var now = await ControlSocket.AskAsync(socket, AskTimeout);
                if (now is null) return ExitCodes.Fail($"the daemon of {before.Mountpoint} stopped answering");
                if (watch) Console.Write("\x1b[H\x1b[2J");
                Console.Write(StatsView.Render(before, now, clock.Elapsed));
                before = now;
            }
            while (watch);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C ends --watch; that is how it is meant to end.
        }
        return 0;
    }
}
