using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Bucketfs.Bench.FuseLayer;

/// <summary>Request counts by <see cref="Op"/>, held inline so a snapshot is a plain struct.</summary>
[InlineArray(OpCounters.Count)]
internal struct OpCounts
{
    private long _element;
}

/// <summary>
/// Everything measured at one instant, taken on the client thread without allocating: wall clock,
/// process-wide allocated bytes and GC counts, CPU of the process, of the calling (client) thread
/// and of the daemon's reader threads, and the filesystem's request counters.
/// </summary>
internal struct Snapshot
{
    public long Ticks;
    public long AllocatedBytes;
    public long ClientAllocatedBytes;
    public long Gen0, Gen1, Gen2;
    public long ProcessUserUs, ProcessSystemUs;
    public long ClientUserUs, ClientSystemUs;
    public long DaemonCpuNs;
    public long ReadBytesRequested;
    public OpCounts Ops;

    public static Snapshot Take(Probe probe)
    {
        var s = new Snapshot();
        // Nothing here allocates: the allocation counters must see only the daemon.
        s.AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true);
        s.ClientAllocatedBytes = GC.GetAllocatedBytesForCurrentThread();
        s.Gen0 = GC.CollectionCount(0);
        s.Gen1 = GC.CollectionCount(1);
        s.Gen2 = GC.CollectionCount(2);
        (s.ProcessUserUs, s.ProcessSystemUs) = Sys.Usage(Sys.RUSAGE_SELF);
        (s.ClientUserUs, s.ClientSystemUs) = Sys.Usage(Sys.RUSAGE_THREAD);
        s.DaemonCpuNs = probe.DaemonCpuNanoseconds();
        for (int i = 0; i < OpCounters.Count; i++) s.Ops[i] = probe.Counters[(Op)i];
        s.ReadBytesRequested = probe.Counters.ReadBytes;
        s.Ticks = Stopwatch.GetTimestamp();
        return s;
    }

    public static Snapshot operator -(Snapshot a, Snapshot b)
    {
        var d = new Snapshot
        {
            Ticks = a.Ticks - b.Ticks,
            AllocatedBytes = a.AllocatedBytes - b.AllocatedBytes,
            ClientAllocatedBytes = a.ClientAllocatedBytes - b.ClientAllocatedBytes,
            Gen0 = a.Gen0 - b.Gen0,
            Gen1 = a.Gen1 - b.Gen1,
            Gen2 = a.Gen2 - b.Gen2,
            ProcessUserUs = a.ProcessUserUs - b.ProcessUserUs,
            ProcessSystemUs = a.ProcessSystemUs - b.ProcessSystemUs,
            ClientUserUs = a.ClientUserUs - b.ClientUserUs,
            ClientSystemUs = a.ClientSystemUs - b.ClientSystemUs,
            DaemonCpuNs = a.DaemonCpuNs - b.DaemonCpuNs,
            ReadBytesRequested = a.ReadBytesRequested - b.ReadBytesRequested,
        };
        for (int i = 0; i < OpCounters.Count; i++) d.Ops[i] = a.Ops[i] - b.Ops[i];
        return d;
    }

    public static Snapshot operator +(Snapshot a, Snapshot b)
    {
        var s = new Snapshot
        {
            Ticks = a.Ticks + b.Ticks,
            AllocatedBytes = a.AllocatedBytes + b.AllocatedBytes,
            ClientAllocatedBytes = a.ClientAllocatedBytes + b.ClientAllocatedBytes,
            Gen0 = a.Gen0 + b.Gen0,
            Gen1 = a.Gen1 + b.Gen1,
            Gen2 = a.Gen2 + b.Gen2,
            ProcessUserUs = a.ProcessUserUs + b.ProcessUserUs,
            ProcessSystemUs = a.ProcessSystemUs + b.ProcessSystemUs,
            ClientUserUs = a.ClientUserUs + b.ClientUserUs,
            ClientSystemUs = a.ClientSystemUs + b.ClientSystemUs,
            DaemonCpuNs = a.DaemonCpuNs + b.DaemonCpuNs,
            ReadBytesRequested = a.ReadBytesRequested + b.ReadBytesRequested,
        };
        for (int i = 0; i < OpCounters.Count; i++) s.Ops[i] = a.Ops[i] + b.Ops[i];
        return s;
    }

    public readonly long Requests
    {
        get
        {
            long total = 0;
            for (int i = 0; i < OpCounters.Count; i++)
                if (i != (int)Op.Forget) total += Ops[i];
            return total;
        }
    }

    public readonly double Seconds => (double)Ticks / Stopwatch.Frequency;
}

/// <summary>What a snapshot samples: the daemon's reader threads (by CPU clock) and the request counters.</summary>
internal sealed class Probe(OpCounters counters, int[] readerTids)
{
    private readonly int[] _clocks = Array.ConvertAll(readerTids, Sys.ThreadCpuClock);

    public OpCounters Counters { get; } = counters;

    public IReadOnlyList<int> ReaderTids { get; } = readerTids;

    /// <summary>True when the reader threads were found by name, so daemon CPU is exact rather than process minus client.</summary>
    public bool HasReaderClocks => _clocks.Length > 0;

    public long DaemonCpuNanoseconds()
    {
        long total = 0;
        foreach (int clock in _clocks)
        {
            long ns = Sys.ThreadCpuNanoseconds(clock);
            if (ns > 0) total += ns;
        }
        return total;
    }

    /// <summary>User and system clock ticks of the reader threads from /proc (10 ms resolution; allocates, so call outside windows).</summary>
    public (long UserTicks, long SystemTicks) DaemonTicks()
    {
        long user = 0, system = 0;
        foreach (int tid in ReaderTids)
        {
            try
            {
                string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
                // Fields after the parenthesized name: state is field 3, utime 14, stime 15.
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                user += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture);
                system += long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread is gone.
            }
        }
        return (user, system);
    }

    /// <summary>Threads of this process named fuse-reader-N that are not in <paramref name="exclude"/>.</summary>
    public static int[] FindReaderThreads(ISet<int> exclude)
    {
        var tids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int tid) || exclude.Contains(tid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).StartsWith("fuse-reader-", StringComparison.Ordinal)) tids.Add(tid);
            }
            catch (IOException)
            {
            }
        }
        return [.. tids];
    }
}
