using System.Diagnostics;

namespace Bucketfs.Bench.FuseLayer;

/// <summary>How a phase's figure is expressed.</summary>
internal enum RateUnit
{
    /// <summary>Bytes per second, shown in GB/s (10^9).</summary>
    Bytes,

    /// <summary>Units (stats, files) per second.</summary>
    Units,
}

/// <summary>
/// One phase: up to <see cref="Passes"/> timed passes on a dedicated client thread. Before and After
/// run untimed around each pass (open, close, drop caches); Body is the timed part and is framed by
/// two <see cref="Snapshot"/>s.
/// </summary>
internal sealed class PhaseSpec
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string FileSystem { get; init; }
    public required RateUnit Unit { get; init; }
    public required string UnitName { get; init; }
    public int Passes { get; init; } = 1;
    public Action<int>? Before { get; init; }
    public required Func<int, long, PassOutcome> Body { get; init; }
    public Action<int>? After { get; init; }
    public string? Note { get; init; }
}

internal sealed record PassResult(double Seconds, long Units, long Bytes, bool Truncated, double Rate, long DaemonAllocatedBytes, long Requests);

internal sealed class PhaseResult
{
    public required PhaseSpec Spec { get; init; }
    public List<PassResult> Passes { get; } = [];
    public Snapshot Totals;
    public long DaemonUserTicks, DaemonSystemTicks;
    public bool ExactDaemonCpu;
    public string? Error;
    public string? Skipped;
    public int? ReadAheadKb;

    /// <summary>CPU used by other processes during the phase, in percent of all the machine's CPUs; null if unknown.</summary>
    public double? OtherCpuPercent;

    public double MedianRate
    {
        get
        {
            var rates = Passes.Where(p => p.Units > 0).Select(p => p.Rate).Order().ToArray();
            if (rates.Length == 0) return 0;
            return rates.Length % 2 == 1 ? rates[rates.Length / 2] : (rates[rates.Length / 2 - 1] + rates[rates.Length / 2]) / 2;
        }
    }

    public double BestRate => Passes.Where(p => p.Units > 0).Select(p => p.Rate).DefaultIfEmpty(0).Max();

    public bool Truncated => Passes.Any(p => p.Truncated);

    /// <summary>Daemon CPU: the reader threads' clocks, or process minus client when the readers were not found.</summary>
    public double DaemonCpuMs => ExactDaemonCpu
        ? Totals.DaemonCpuNs / 1e6
        : (Totals.ProcessUserUs + Totals.ProcessSystemUs - Totals.ClientUserUs - Totals.ClientSystemUs) / 1e3;
}

/// <summary>Runs phases on a dedicated client thread, bounded by a deadline and a hang watchdog.</summary>
internal static class PhaseRunner
{
    /// <summary>How long past its deadline a phase may take (a pass in flight, close, drop caches) before it counts as hung.</summary>
    public static readonly TimeSpan HangGrace = TimeSpan.FromSeconds(30);

    /// <summary>Ids of the phases to run (null: all); warm-ups and set-up phases always run.</summary>
    public static ISet<string>? Selected { get; set; }

    public static PhaseResult Run(PhaseSpec spec, BenchMount mount, TimeSpan budget)
    {
        var result = new PhaseResult { Spec = spec, ExactDaemonCpu = mount.Probe.HasReaderClocks };
        if (Selected is not null && !Selected.Contains(spec.Id) && spec.Id is not ("warm" or "m-create" or "m-write"))
        {
            result.Skipped = "not selected";
            return result;
        }
        if (budget <= TimeSpan.Zero || Emergency.Cancelled)
        {
            result.Skipped = Emergency.Cancelled ? "cancelled" : "time budget exhausted";
            return result;
        }
        var probe = mount.Probe;
        var (user0, system0) = probe.DaemonTicks();
        var load0 = MachineLoad.Sample();
        long deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        var passes = new PassResult[spec.Passes];
        var windows = new Snapshot[spec.Passes];
        int done = 0;
        Exception? failure = null;

        var thread = new Thread(() =>
        {
            try
            {
                for (int pass = 0; pass < spec.Passes; pass++)
                {
                    if (Stopwatch.GetTimestamp() > deadline || Emergency.Cancelled) break;
                    spec.Before?.Invoke(pass);
                    try
                    {
                        var before = Snapshot.Take(probe);
                        var outcome = spec.Body(pass, deadline);
                        var after = Snapshot.Take(probe);
                        windows[pass] = after - before;
                        double seconds = windows[pass].Seconds;
                        double rate = spec.Unit == RateUnit.Bytes ? outcome.Bytes / seconds / 1e9 : outcome.Units / seconds;
                        passes[pass] = new PassResult(seconds, outcome.Units, outcome.Bytes, outcome.Truncated, rate,
                            windows[pass].AllocatedBytes - windows[pass].ClientAllocatedBytes, windows[pass].Requests);
                        done = pass + 1;
                        if (outcome.Truncated) break;
                    }
                    finally
                    {
                        spec.After?.Invoke(pass);
                    }
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true, Name = $"bench-client-{spec.Id}" };
        thread.Start();
        if (!thread.Join(budget + HangGrace))
            Emergency.AbortAndExit($"phase {spec.Id} ({spec.Name}) did not finish within {budget.TotalSeconds:0} s + {HangGrace.TotalSeconds:0} s grace");

        var (user1, system1) = probe.DaemonTicks();
        result.OtherCpuPercent = MachineLoad.OtherPercent(load0, MachineLoad.Sample());
        result.DaemonUserTicks = user1 - user0;
        result.DaemonSystemTicks = system1 - system0;
        for (int i = 0; i < done; i++)
        {
            result.Passes.Add(passes[i]);
            result.Totals += windows[i];
        }
        if (failure is not null) result.Error = $"{failure.GetType().Name}: {failure.Message}";
        return result;
    }
}

/// <summary>
/// How busy the rest of the machine was: all CPUs' busy time (/proc/stat) minus this process's
/// (getrusage), so a row measured while other sessions built or tested can be told apart.
/// </summary>
internal static class MachineLoad
{
    public readonly record struct CpuSample(long BusyTicks, long OwnUs, long WallTicks);

    public static CpuSample? Sample()
    {
        try
        {
            string? line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null) return null;
            long[] f = [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(x => long.Parse(x, System.Globalization.CultureInfo.InvariantCulture))];
            // user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait (guest time is inside user).
            long busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
            var (user, system) = Sys.Usage(Sys.RUSAGE_SELF);
            return new CpuSample(busy, user + system, Stopwatch.GetTimestamp());
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            return null;
        }
    }

    public static double? OtherPercent(CpuSample? before, CpuSample? after)
    {
        if (before is not { } a || after is not { } b) return null;
        double wallSeconds = (double)(b.WallTicks - a.WallTicks) / Stopwatch.Frequency;
        if (wallSeconds <= 0) return null;
        double busySeconds = (b.BusyTicks - a.BusyTicks) / 100.0; // USER_HZ
        double ownSeconds = (b.OwnUs - a.OwnUs) / 1e6;
        return Math.Clamp(100 * (busySeconds - ownSeconds) / (wallSeconds * Environment.ProcessorCount), 0, 100);
    }

    /// <summary>The 1-, 5- and 15-minute load averages.</summary>
    public static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }
}
