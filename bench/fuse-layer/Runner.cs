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

internal sealed record PassResult(double Seconds, long Units, long Bytes, bool Truncated, double Rate);

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

    /// <summary>Share of the phase's wall time during which some runnable task waited for a CPU (/proc/pressure/cpu), in percent; null if unknown.</summary>
    public double? CpuPressurePercent;

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

    public static PhaseResult Run(PhaseSpec spec, BenchMount mount, TimeSpan budget)
    {
        var result = new PhaseResult { Spec = spec, ExactDaemonCpu = mount.Probe.HasReaderClocks };
        if (budget <= TimeSpan.Zero || Emergency.Cancelled)
        {
            result.Skipped = Emergency.Cancelled ? "cancelled" : "time budget exhausted";
            return result;
        }
        var probe = mount.Probe;
        var (user0, system0) = probe.DaemonTicks();
        long pressure0 = CpuPressure.SomeMicroseconds(), start = Stopwatch.GetTimestamp();
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
                        passes[pass] = new PassResult(seconds, outcome.Units, outcome.Bytes, outcome.Truncated, rate);
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
        long pressure1 = CpuPressure.SomeMicroseconds(), wallUs = (Stopwatch.GetTimestamp() - start) * 1_000_000 / Stopwatch.Frequency;
        if (pressure0 >= 0 && pressure1 >= 0 && wallUs > 0) result.CpuPressurePercent = Math.Min(100, 100.0 * (pressure1 - pressure0) / wallUs);
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

/// <summary>Pressure stall information for the CPU: how much of the time runnable tasks waited for one (other load on the machine).</summary>
internal static class CpuPressure
{
    /// <summary>The cumulative "some" stall time in microseconds, or -1 when PSI is unavailable.</summary>
    public static long SomeMicroseconds()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/pressure/cpu"))
            {
                if (!line.StartsWith("some ", StringComparison.Ordinal)) continue;
                int at = line.IndexOf("total=", StringComparison.Ordinal);
                if (at >= 0 && long.TryParse(line.AsSpan(at + 6), System.Globalization.CultureInfo.InvariantCulture, out long total)) return total;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return -1;
    }

    /// <summary>The 1-, 5- and 15-minute load averages.</summary>
    public static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }
}
