using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Bucketfs.Bench.FuseLayer;

/// <summary>The Markdown table on stdout and the JSON file.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly long TicksPerSecond = 100; // USER_HZ of /proc/<pid>/task/<tid>/stat

    public static void WriteMarkdown(TextWriter w, RunInfo env, IReadOnlyList<PhaseResult> results)
    {
        w.WriteLine();
        w.WriteLine("## FUSE layer micro-benchmark");
        w.WriteLine();
        w.WriteLine(string.Join(", ", env.Items.Where(i => i.Key is "date_utc" or "kernel" or "cpu" or "cpus" or "dotnet" or "gc" or "configuration" or "fuse_protocol" or "reader_threads" or "read_ahead_kb_after_mount" or "elapsed_seconds" or "loadavg_start" or "loadavg_end")
            .Select(i => $"{i.Key} {Format(i.Value)}")));
        w.WriteLine();
        w.WriteLine("| id | phase | fs | result (median) | passes | requests in windows | daemon CPU ms (user/sys) | daemon µs/req | client CPU ms (user/sys) | process CPU ms (user/sys) | daemon alloc bytes | alloc B/req | GC gen0/1/2 | other load |");
        w.WriteLine("|---|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|---:|");
        foreach (var r in results)
        {
            var s = r.Spec;
            if (r.Skipped is not null)
            {
                w.WriteLine($"| {s.Id} | {s.Name} | {s.FileSystem} | skipped: {r.Skipped} | | | | | | | | | | |");
                continue;
            }
            var t = r.Totals;
            long requests = t.Requests;
            long daemonAlloc = t.AllocatedBytes - t.ClientAllocatedBytes;
            string result = r.Error is not null && r.Passes.Count == 0 ? $"error: {r.Error}" : Rate(r);
            string passes = string.Join(", ", r.Passes.Select(p => RateValue(s.Unit, p.Rate) + (p.Truncated ? "*" : "")));
            w.WriteLine(string.Join(" | ",
                $"| {s.Id}",
                s.Name,
                s.FileSystem,
                result + (r.Error is not null && r.Passes.Count > 0 ? $" (error: {r.Error})" : ""),
                passes,
                Requests(r),
                $"{r.DaemonCpuMs.ToString("0", Inv)} ({(r.DaemonUserTicks * 1000 / TicksPerSecond).ToString(Inv)}/{(r.DaemonSystemTicks * 1000 / TicksPerSecond).ToString(Inv)})",
                requests > 0 ? (r.DaemonCpuMs * 1000 / requests).ToString("0.0", Inv) : "-",
                $"{(t.ClientUserUs + t.ClientSystemUs) / 1000} ({t.ClientUserUs / 1000}/{t.ClientSystemUs / 1000})",
                $"{(t.ProcessUserUs + t.ProcessSystemUs) / 1000} ({t.ProcessUserUs / 1000}/{t.ProcessSystemUs / 1000})",
                daemonAlloc.ToString("N0", Inv),
                requests > 0 ? ((double)daemonAlloc / requests).ToString("0.##", Inv) : "-",
                $"{t.Gen0}/{t.Gen1}/{t.Gen2}",
                r.OtherCpuPercent is double other ? $"{other.ToString("0", Inv)}% |" : "- |"));
        }
        w.WriteLine();
        w.WriteLine("`*` a pass cut short by its time bound (or a signal). Requests are those handed to the filesystem inside the timed windows (FORGET not counted).");
        w.WriteLine("Other load: CPU used by other processes during the phase, in % of all CPUs (/proc/stat minus this process); well above 0% means the row's throughput is skewed low.");
        w.WriteLine("Daemon CPU is the reader threads' own CPU clocks (user/sys split from /proc, 10 ms ticks); client CPU is the client thread's; allocation is process-wide minus the client thread's (which is 0).");
        foreach (var r in results.Where(r => r.Spec.Note is not null && r.Skipped is null))
            w.WriteLine($"- {r.Spec.Id}: {r.Spec.Note}");
        foreach (var r in results.Where(r => r.Error is not null))
            w.WriteLine($"- {r.Spec.Id} failed: {r.Error}");
    }

    public static void WriteJson(string path, RunInfo env, IReadOnlyList<PhaseResult> results)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteStartObject("environment");
        foreach (var (key, value) in env.Items) WriteValue(w, key, value);
        w.WriteEndObject();
        w.WriteStartArray("phases");
        foreach (var r in results)
        {
            var s = r.Spec;
            var t = r.Totals;
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            w.WriteString("name", s.Name);
            w.WriteString("filesystem", s.FileSystem);
            w.WriteString("unit", s.UnitName);
            if (s.Note is not null) w.WriteString("note", s.Note);
            if (r.ReadAheadKb is int ra) w.WriteNumber("read_ahead_kb", ra);
            if (r.Skipped is not null)
            {
                w.WriteString("skipped", r.Skipped);
                w.WriteEndObject();
                continue;
            }
            if (r.Error is not null) w.WriteString("error", r.Error);
            w.WriteNumber("median", Math.Round(r.MedianRate, 4));
            w.WriteNumber("best", Math.Round(r.BestRate, 4));
            if (r.OtherCpuPercent is double other) w.WriteNumber("other_processes_cpu_percent", Math.Round(other, 1));
            w.WriteBoolean("truncated", r.Truncated);
            w.WriteStartArray("passes");
            foreach (var p in r.Passes)
            {
                w.WriteStartObject();
                w.WriteNumber("seconds", Math.Round(p.Seconds, 6));
                w.WriteNumber("units", p.Units);
                w.WriteNumber("bytes", p.Bytes);
                w.WriteNumber("rate", Math.Round(p.Rate, 4));
                w.WriteBoolean("truncated", p.Truncated);
                w.WriteNumber("requests", p.Requests);
                w.WriteNumber("daemon_allocated_bytes", p.DaemonAllocatedBytes);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("seconds", Math.Round(t.Seconds, 6));
            w.WriteStartObject("requests");
            for (int i = 0; i < OpCounters.Count; i++)
                if (t.Ops[i] != 0) w.WriteNumber(((Op)i).ToString().ToLowerInvariant(), t.Ops[i]);
            w.WriteNumber("total", t.Requests);
            if (t.Ops[(int)Op.Read] > 0) w.WriteNumber("average_read_request_bytes", t.ReadBytesRequested / t.Ops[(int)Op.Read]);
            w.WriteEndObject();
            w.WriteStartObject("daemon");
            w.WriteBoolean("cpu_from_reader_thread_clocks", r.ExactDaemonCpu);
            w.WriteNumber("cpu_ms", Math.Round(r.DaemonCpuMs, 3));
            w.WriteNumber("user_ms", r.DaemonUserTicks * 1000 / TicksPerSecond);
            w.WriteNumber("system_ms", r.DaemonSystemTicks * 1000 / TicksPerSecond);
            if (t.Requests > 0) w.WriteNumber("cpu_us_per_request", Math.Round(r.DaemonCpuMs * 1000 / t.Requests, 3));
            long daemonAlloc = t.AllocatedBytes - t.ClientAllocatedBytes;
            w.WriteNumber("allocated_bytes", daemonAlloc);
            if (t.Requests > 0) w.WriteNumber("allocated_bytes_per_request", Math.Round((double)daemonAlloc / t.Requests, 3));
            w.WriteEndObject();
            w.WriteStartObject("client");
            w.WriteNumber("user_ms", t.ClientUserUs / 1000.0);
            w.WriteNumber("system_ms", t.ClientSystemUs / 1000.0);
            w.WriteNumber("allocated_bytes", t.ClientAllocatedBytes);
            w.WriteEndObject();
            w.WriteStartObject("process");
            w.WriteNumber("user_ms", t.ProcessUserUs / 1000.0);
            w.WriteNumber("system_ms", t.ProcessSystemUs / 1000.0);
            w.WriteNumber("allocated_bytes", t.AllocatedBytes);
            w.WriteNumber("gc_gen0", t.Gen0);
            w.WriteNumber("gc_gen1", t.Gen1);
            w.WriteNumber("gc_gen2", t.Gen2);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter w, string key, object value)
    {
        switch (value)
        {
            case bool b: w.WriteBoolean(key, b); break;
            case int i: w.WriteNumber(key, i); break;
            case long l: w.WriteNumber(key, l); break;
            case double d: w.WriteNumber(key, d); break;
            default: w.WriteString(key, Convert.ToString(value, Inv)); break;
        }
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.#", Inv),
        _ => Convert.ToString(value, Inv) ?? "",
    };

    private static string Rate(PhaseResult r) => $"{RateValue(r.Spec.Unit, r.MedianRate)} {r.Spec.UnitName}";

    private static string RateValue(RateUnit unit, double rate) =>
        unit == RateUnit.Bytes ? rate.ToString("0.00", Inv) : rate.ToString("N0", Inv);

    private static string Requests(PhaseResult r)
    {
        var t = r.Totals;
        var parts = new StringBuilder();
        long units = r.Passes.Sum(p => p.Units);
        for (int i = 0; i < OpCounters.Count; i++)
        {
            if (t.Ops[i] == 0 || i == (int)Op.Forget) continue;
            if (parts.Length > 0) parts.Append(", ");
            parts.Append(Inv, $"{((Op)i).ToString().ToUpperInvariant()} {t.Ops[i]:N0}");
            if (i == (int)Op.Read) parts.Append(Inv, $" (avg {t.ReadBytesRequested / t.Ops[i] / 1024} KiB)");
        }
        if (r.Spec.Unit == RateUnit.Units && units > 0) parts.Append(Inv, $"; {(double)t.Requests / units:0.00}/{r.Spec.UnitName.Split('/')[0]}");
        return parts.Length == 0 ? "-" : parts.ToString();
    }
}
