using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bucketfs.Bench.Compare;

/// <summary>
/// `report`: turns the JSON lines run.sh collected (one per mounter and workload) into the Markdown
/// table (workloads as rows, mounters as columns, each figure with its ratio to direct and to s3fs),
/// a second table for the local data caches (cold, then after a remount; ratios to direct and to
/// s3fs with its cache) and one JSON document.
/// </summary>
internal static class Report
{
    private static readonly (string Id, string Label)[] Mounters =
    [
        ("direct", "direct (S3 SDK, no FUSE)"),
        ("bucketfs", "bucketfs"),
        ("s3fs", "s3fs 1.90"),
        ("rclone-off", "rclone 1.60, cache off"),
        ("rclone-full", "rclone 1.60, cache full"),
        ("bucketfs-cache", "bucketfs --cache (passthrough)"),
        ("bucketfs-cache-nopt", "bucketfs --cache --no-passthrough"),
        ("s3fs-cache", "s3fs 1.90, use_cache"),
    ];

    /// <summary>The mounters that appear only in the local-data-cache table.</summary>
    private static readonly HashSet<string> CacheOnly = ["bucketfs-cache", "bucketfs-cache-nopt", "s3fs-cache"];

    /// <summary>Columns of the local-data-cache table (rclone's full cache mode is one), and its rows.</summary>
    private static readonly string[] CacheColumns = ["direct", "bucketfs-cache", "bucketfs-cache-nopt", "s3fs-cache", "rclone-full"];
    private static readonly string[] CacheRows = ["seq", "seq-remount", "ml-cold", "ml-remount"];

    private static bool IsRemount(string id) => BaseId(id).EndsWith("-remount", StringComparison.Ordinal);

    /// <summary>Direct has no second pass (nothing of its own to keep): warm and remount rows are compared with its cold one.</summary>
    private static string DirectId(string id) => id switch
    {
        "ml-warm" or "ml-remount" => "ml-cold",
        "seq-remount" => "seq",
        _ => id,
    };

    private sealed record Workload(string Id, string Title, bool HigherIsBetter);

    private static List<Workload> Workloads(Manifest m, Args args)
    {
        int writeMib = args.Int("write-mib", 256), writeFiles = args.Int("write-files", 1000);
        string large = m.LargeBytes >= 1L << 30 ? $"{m.LargeBytes / (double)(1L << 30):0.#} GiB" : $"{m.LargeBytes >> 20} MiB";
        string ml = $"{m.MlCount:N0} × {m.MlBytes >> 10} KiB in {Layout.MlClasses} folders, shuffled, 8 threads";
        return
        [
            new("seq", $"Sequential read of a {large} file, sha256 checked (MiB/s)", true),
            new("ls", $"`ls -l` of a {m.SmallCount:N0}-entry folder, cold (s)", false),
            new("find", $"`find` over the whole tree, {m.FindEntries:N0} entries, cold (s)", false),
            new("ml-cold", $"ML epoch, cold: {ml} (files/s)", true),
            new("ml-warm", "ML epoch, warm: the same again on the same mount, page cache kept (files/s)", true),
            new("seq-remount", "Sequential read of the large file again after a remount on the same cache folder, page cache dropped (MiB/s)", true),
            new("ml-remount", "ML epoch again after a remount on the same cache folder, page cache dropped (files/s)", true),
            new("rand1", "Random 64 KiB reads of the large file, 1 thread (reads/s)", true),
            new("rand8", "Random 64 KiB reads of the large file, 8 threads (reads/s)", true),
            new("write-seq", $"Sequential write of a {writeMib} MiB file, fsync, close (MiB/s)", true),
            new("write-small", $"Create {writeFiles:N0} files of 4 KiB (files/s)", true),
        ];
    }

    public static int Run(Args args)
    {
        var manifest = Manifest.Load(args.Get("manifest"));
        var records = File.ReadAllLines(args.Get("results"))
            .Where(l => l.TrimStart().StartsWith('{'))
            .Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var meta = new JsonObject();
        foreach (string kv in args.All("meta"))
        {
            int eq = kv.IndexOf('=');
            if (eq > 0) meta[kv[..eq]] = kv[(eq + 1)..];
        }

        // Workload ids may carry a latency suffix ("seq@20ms"): rows appear in the order of the base list, then by latency.
        var baseList = Workloads(manifest, args);
        var rowIds = records.Select(r => (string)r["workload"]!).Distinct()
            .OrderBy(id => LatencyMs(id) >= 0)
            .ThenBy(id => baseList.FindIndex(w => w.Id == BaseId(id)) is var i && i >= 0 ? i : 99)
            .ThenBy(id => LatencyMs(id)).ToList();
        var present = Mounters.Where(m => records.Any(r => (string?)r["mounter"] == m.Id)).ToList();
        var mounters = present.Where(m => !CacheOnly.Contains(m.Id)).ToList();

        JsonObject? Find(string mounter, string workload) =>
            records.LastOrDefault(r => (string?)r["mounter"] == mounter && (string?)r["workload"] == workload);

        var md = new StringBuilder();
        md.AppendLine("# bucketfs against s3fs and rclone");
        md.AppendLine();
        foreach (var (k, v) in meta) md.AppendLine($"- {k}: {v}");
        md.AppendLine();
        md.AppendLine("Each cell: the figure, then its speed relative to direct and to s3fs (`×2.0` = twice as fast; for times, the reference's time divided by this one).");
        md.AppendLine("Direct is the S3 SDK straight against the store, no FUSE (its cold ML epoch is also the reference for the warm ones); bucketfs, s3fs and rclone run with their defaults but for rclone's `--vfs-cache-mode`. Every workload but the warm epoch starts on a fresh mount with the page cache dropped.");
        md.AppendLine();
        var mainRows = rowIds.Where(id => !IsRemount(id) && mounters.Any(m => Find(m.Id, id) != null)).ToList();
        string Title(string id)
        {
            var w = baseList.FirstOrDefault(x => x.Id == BaseId(id));
            string title = w?.Title ?? BaseId(id);
            if (LatencyMs(id) is int ms and >= 0)
            {
                // The latency rows read less: the first part of the large file, part of the epoch.
                title = BaseId(id) switch
                {
                    "seq" => $"Sequential read, first {args.Int("latency-seq-mib", 512)} MiB of the large file (MiB/s)",
                    "ml-cold" => $"ML epoch, cold: {args.Int("latency-ml-files", 2000):N0} of the shuffled files, 8 threads (files/s)",
                    _ => title,
                } + $", store +{ms} ms/request";
            }
            return title;
        }
        bool Higher(string id) => baseList.FirstOrDefault(x => x.Id == BaseId(id))?.HigherIsBetter ?? true;
        FigureTable(md, mounters, mainRows, Title, Higher, Find, "s3fs", "s3fs");
        md.AppendLine();
        md.AppendLine("Resources of the mounter's daemon process during each workload: CPU seconds (user + system, from /proc/PID/stat) / peak RSS in MiB (VmHWM, reset before the workload). For direct: the client process itself.");
        md.AppendLine();
        ResourceTable(md, mounters, mainRows, Find);

        // The local data caches: the same file and epoch with the cache empty, then after a remount on the same cache folder.
        var cacheMounters = CacheColumns.Select(id => present.FirstOrDefault(m => m.Id == id))
            .Where(m => m.Id != null && CacheRows.Any(row => Find(m.Id, row) != null)).ToList();
        var cacheRows = CacheRows.Where(row => cacheMounters.Any(m => m.Id != "direct" && Find(m.Id, row) != null)).ToList();
        if (cacheRows.Any(IsRemount) || cacheMounters.Any(m => CacheOnly.Contains(m.Id)))
        {
            string large = manifest.LargeBytes >= 1L << 30 ? $"{manifest.LargeBytes / (double)(1L << 30):0.#} GiB" : $"{manifest.LargeBytes >> 20} MiB";
            string CacheTitle(string id) => id switch
            {
                "seq" => $"Sequential read of the {large} file, cold: empty cache, page cache dropped (MiB/s)",
                "seq-remount" => "The same after a remount on that cache folder, page cache dropped (MiB/s)",
                "ml-cold" => $"ML epoch, cold: {manifest.MlCount:N0} × {manifest.MlBytes >> 10} KiB, shuffled, 8 threads, empty cache (files/s)",
                "ml-remount" => "The same epoch after a remount on that cache folder, page cache dropped (files/s)",
                _ => Title(id),
            };
            md.AppendLine();
            md.AppendLine("## Local data cache");
            md.AppendLine();
            md.AppendLine("The mounters that keep file data on local disk across mounts, each with its cache folder emptied before its first mount of a row: that mount reads cold, then it is unmounted, mounted again on the same folder, the page cache is dropped and the same read runs again, so the second figure is what the disk cache kept and how fast the mounter serves it. bucketfs: `--cache DIR` (10 GiB by default), cached files read by the kernel itself (FUSE passthrough), or with `--no-passthrough` through the daemon; s3fs: `-o use_cache=DIR`; rclone: `--vfs-cache-mode full --cache-dir DIR`.");
            md.AppendLine("Each cell: the figure, then its speed relative to direct (its cold read, also for the remount rows) and to s3fs with its cache.");
            md.AppendLine();
            FigureTable(md, cacheMounters, cacheRows, CacheTitle, Higher, Find, "s3fs-cache", "s3fs cache");
            md.AppendLine();
            md.AppendLine("Resources of the daemon (CPU seconds / peak RSS in MiB), as above. With passthrough the kernel reads cached files itself: that CPU is not the daemon's.");
            md.AppendLine();
            ResourceTable(md, cacheMounters, cacheRows, Find);
        }
        md.AppendLine();
        md.AppendLine("<details><summary>Details of each measurement</summary>");
        md.AppendLine();
        foreach (string id in rowIds)
            foreach (var m in present)
                if (Find(m.Id, id) is { } r)
                    md.AppendLine($"- {id}, {m.Id}: {Detail(r)}");
        md.AppendLine();
        md.AppendLine("</details>");

        return Write(args, md.ToString(), meta, manifest.ToJson(), records.Select(r => (JsonNode)r));
    }

    /// <summary>Prints the table and writes it to --md, and the figures with their layout to --json.</summary>
    public static int Write(Args args, string text, JsonObject meta, string layout, IEnumerable<JsonNode> records)
    {
        Console.Out.Write(text);
        if (args.Get("md", "") is { Length: > 0 } mdPath) File.WriteAllText(mdPath, text);
        if (args.Get("json", "") is { Length: > 0 } jsonPath)
        {
            var doc = new JsonObject
            {
                ["meta"] = meta,
                ["manifest"] = JsonNode.Parse(layout),
                ["results"] = new JsonArray(records.Select(r => r.DeepClone()).ToArray()),
            };
            File.WriteAllText(jsonPath, doc.ToJsonString(Result.Indented) + "\n");
        }
        return 0;
    }

    /// <summary>Workloads as rows, mounters as columns, each figure with its ratio to direct and to the reference mounter.</summary>
    internal static void FigureTable(StringBuilder md, List<(string Id, string Label)> mounters, List<string> rows,
        Func<string, string> title, Func<string, bool> higher, Func<string, string, JsonObject?> find, string reference, string referenceLabel,
        Func<string, string>? directId = null)
    {
        directId ??= DirectId;
        Header(md, mounters);
        foreach (string id in rows)
        {
            md.Append($"| {title(id)} |");
            double? direct = Value(find("direct", id)) ?? Value(find("direct", directId(id))), refValue = Value(find(reference, id));
            foreach (var m in mounters) md.Append($" {Cell(find(m.Id, id), m.Id, direct, reference, referenceLabel, refValue, higher(id))} |");
            md.AppendLine();
        }
    }

    internal static void Header(StringBuilder md, List<(string Id, string Label)> mounters)
    {
        md.Append("| workload |");
        foreach (var m in mounters) md.Append($" {m.Label} |");
        md.AppendLine();
        md.Append("| --- |");
        foreach (var _ in mounters) md.Append(" ---: |");
        md.AppendLine();
    }

    private static void ResourceTable(StringBuilder md, List<(string Id, string Label)> mounters, List<string> rows, Func<string, string, JsonObject?> find)
    {
        Header(md, mounters);
        foreach (string id in rows)
        {
            md.Append($"| {id} |");
            foreach (var m in mounters)
            {
                var r = find(m.Id, id);
                string cell = "–";
                if (r != null && r["status"] is null)
                {
                    double? cpu = Num(r["daemon_cpu_s"]) ?? Num(r["result"]?["client_cpu_s"]);
                    double? rss = Num(r["daemon_peak_rss_mib"]) ?? Num(r["result"]?["client_peak_rss_mib"]);
                    cell = $"{(cpu is double c ? c.ToString("0.0", CultureInfo.InvariantCulture) : "?")} s / {(rss is double s ? s.ToString("0", CultureInfo.InvariantCulture) : "?")} MiB";
                }
                md.Append($" {cell} |");
            }
            md.AppendLine();
        }
    }

    private static string BaseId(string id) => id.Split('@')[0];

    private static int LatencyMs(string id) =>
        id.Split('@') is [_, var l] && int.TryParse(l.Replace("ms", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out int ms) ? ms : -1;

    internal static double? Num(JsonNode? n) => n is JsonValue v && v.TryGetValue(out double d) ? d : null;

    /// <summary>The figure of a successful measurement, else null.</summary>
    private static double? Value(JsonObject? r) =>
        r != null && (bool?)r["result"]?["ok"] == true ? Num(r["result"]!["value"]) : null;

    private static string Cell(JsonObject? r, string mounter, double? direct, string reference, string referenceLabel, double? refValue, bool higher)
    {
        if (r == null) return "–";
        if ((string?)r["status"] == "unsupported") return "not supported yet";
        if ((string?)r["status"] == "skipped") return "skipped";
        double? v = Value(r);
        if (v is not double value)
        {
            string why = (string?)r["error"] ?? (string?)r["result"]?["error"] ?? (string?)r["result"]?["detail"] ?? "failed";
            return $"FAILED ({Shorten(why, 60)})";
        }
        var sb = new StringBuilder(Result.F(value));
        var ratios = new List<string>();
        if (mounter != "direct" && direct is double d && d > 0 && value > 0) ratios.Add("×" + Ratio(value, d, higher) + " direct");
        if (mounter != reference && refValue is double s && s > 0 && value > 0) ratios.Add("×" + Ratio(value, s, higher) + " " + referenceLabel);
        if (ratios.Count > 0) sb.Append(" (").Append(string.Join(", ", ratios)).Append(')');
        return sb.ToString();
    }

    private static string Ratio(double value, double reference, bool higher)
    {
        double r = higher ? value / reference : reference / value;
        return r.ToString(r >= 10 ? "0" : "0.00", CultureInfo.InvariantCulture);
    }

    internal static string Detail(JsonObject r)
    {
        if ((string?)r["status"] == "unsupported") return (string?)r["error"] ?? "not supported yet";
        var parts = new List<string>();
        if ((string?)r["result"]?["detail"] is { } d) parts.Add(d);
        if ((string?)r["result"]?["error"] is { } e) parts.Add("error: " + e);
        if ((string?)r["error"] is { } e2) parts.Add("error: " + e2);
        if (Num(r["wall_s"]) is double w) parts.Add($"wall {w:0.00} s");
        if ((string?)r["load"] is { } load) parts.Add($"load {load}");
        return Shorten(string.Join("; ", parts), 400).Replace('|', '/');
    }

    internal static string Shorten(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
