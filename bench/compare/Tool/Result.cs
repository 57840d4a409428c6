using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bucketfs.Bench.Compare;

/// <summary>One workload's outcome, printed as a single JSON line on stdout for run.sh to collect.</summary>
internal static class Result
{
    public static int Print(double value, string unit, bool ok, string detail, JsonObject? extra = null)
    {
        var o = new JsonObject
        {
            ["ok"] = ok,
            ["value"] = Math.Round(value, 4),
            ["unit"] = unit,
            ["detail"] = detail,
        };
        AddClient(o);
        if (extra != null)
            foreach (var (k, v) in extra) o[k] = v?.DeepClone();
        Console.Out.WriteLine(o.ToJsonString());
        Console.Out.Flush();
        return ok ? 0 : 1;
    }

    public static int Fail(string error)
    {
        var o = new JsonObject { ["ok"] = false, ["error"] = error };
        AddClient(o);
        Console.Out.WriteLine(o.ToJsonString());
        return 1;
    }

    private static void AddClient(JsonObject o)
    {
        using var self = Process.GetCurrentProcess();
        o["client_cpu_s"] = Math.Round(self.TotalProcessorTime.TotalSeconds, 3);
        o["client_peak_rss_mib"] = Math.Round(self.PeakWorkingSet64 / 1048576.0, 1);
    }

    public static string F(double v) => v.ToString(v >= 100 ? "0" : v >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    public static JsonObject Latencies(List<double> ms)
    {
        ms.Sort();
        double P(double q) => ms.Count == 0 ? 0 : ms[Math.Min(ms.Count - 1, (int)(q * ms.Count))];
        return new JsonObject { ["p50_ms"] = Math.Round(P(0.5), 3), ["p99_ms"] = Math.Round(P(0.99), 3), ["max_ms"] = Math.Round(ms.Count == 0 ? 0 : ms[^1], 3) };
    }

    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
