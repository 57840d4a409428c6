using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Bucketfs.Bench.Compare;

/// <summary>
/// `scale-report`: the scale suite's JSON lines (bench/scale/run.sh) as one Markdown table (each figure
/// with its ratio to the limit, the SDK straight against the store, and to s3fs), a table of the
/// daemons' CPU, memory and requests by type, and one JSON document.
/// </summary>
internal static class ScaleReport
{
    private static readonly (string Id, string Label)[] Mounters =
    [
        ("direct", "limit (S3 SDK, no FUSE)"),
        ("bucketfs", "bucketfs"),
        ("s3fs", "s3fs 1.90"),
        ("rclone-off", "rclone 1.60, cache off"),
    ];

    /// <summary>The row the limit of a row is measured in: listings against the paged LIST of the same keys.</summary>
    private static string LimitOf(string id) => id switch
    {
        "ls-f" or "ls-l" or "ls-l-forgot" => "list-flat-level",
        "find-flat" or "du-flat" or "find-1" or "find-2" => "list-flat",
        "find-tree" or "du-tree" => "list-tree",
        "stat-forgot" => "stat-flat",
        "forget" => "none",
        "changes" => "list-all",
        _ => id,
    };

    private static List<(string Id, string Title, bool Higher)> Rows(ScaleLayout m, Args args)
    {
        string n = m.Objects.ToString("N0", CultureInfo.InvariantCulture);
        int stat = args.Int("stat-count", 1000), sample = args.Int("sample", 10_000);
        string tree = $"{n} in {m.Folders("tree"):N0} folders";
        return
        [
            ("ls-f", $"`ls -f` of the flat folder, {n} entries, names only (s)", false),
            ("ls-l", $"`ls -l` of the flat folder, {n} entries (s)", false),
            ("find-flat", $"`find` of the flat folder, {n} entries (s)", false),
            ("du-flat", "`du -s` of the flat folder (s)", false),
            ("stat-flat", $"stat of {stat:N0} random names of the flat folder, one at a time, cold (s)", false),
            ("epoch-flat", $"epoch: {sample:N0} random files of the flat folder, shuffled, 8 threads (files/s)", true),
            ("find-tree", $"`find` of the tree, {tree} (s)", false),
            ("du-tree", "`du -s` of the tree (s)", false),
            ("stat-tree", $"stat of {stat:N0} random names of the tree, one at a time, cold (s)", false),
            ("epoch-tree", $"epoch: {sample:N0} random files of the tree, shuffled, 8 threads (files/s)", true),
            ("changes", "`bucketfs changes` of the whole bucket, first run (s; limit: the paged LIST of every key)", false),
            ("find-1", $"one mount: `find` of the flat folder, {n} names now known (s)", false),
            ("forget", "one mount: `echo 2 > drop_caches`, the kernel forgets them (s)", false),
            ("stat-forgot", $"one mount: stat of {stat:N0} random names again (s)", false),
            ("ls-l-forgot", "one mount: `ls -l` of the flat folder again (s)", false),
            ("find-2", "one mount: `find` of the flat folder again (s)", false),
        ];
    }

    public static int Run(Args args)
    {
        var layout = ScaleLayout.Load(args.Get("manifest"));
        var records = File.ReadAllLines(args.Get("results"))
            .Where(l => l.TrimStart().StartsWith('{'))
            .Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var meta = new JsonObject();
        foreach (string kv in args.All("meta"))
        {
            int eq = kv.IndexOf('=');
            if (eq > 0) meta[kv[..eq]] = kv[(eq + 1)..];
        }
        // The limit's cell of a row is the measurement its row is compared with.
        JsonObject? Find(string mounter, string workload) =>
            records.LastOrDefault(r => (string?)r["mounter"] == mounter && (string?)r["workload"] == (mounter == "direct" ? LimitOf(workload) : workload));
        var all = Rows(layout, args);
        var rows = all.Where(r => Mounters.Any(m => m.Id != "direct" && Find(m.Id, r.Id) != null)).ToList();
        var mounters = Mounters.Where(m => records.Any(r => (string?)r["mounter"] == m.Id)).ToList();

        var md = new StringBuilder();
        md.AppendLine($"# bucketfs at scale: {layout.Objects:N0} objects of {layout.Bytes:N0} bytes per layout");
        md.AppendLine();
        foreach (var (k, v) in meta) md.AppendLine($"- {k}: {v}");
        md.AppendLine();
        md.AppendLine("Each cell: the figure, then its speed relative to the limit (`direct`: the SDK straight against the store; for listings the paged LIST of the same keys, for stat one HEAD per name, for the epoch GETs from 8 workers) and to s3fs (`×2.0` = twice as fast; for times, the reference's time divided by this one). Every row but the one-mount rows starts on a fresh mount with the page cache, dentries and inodes dropped. A cell \"timed out after X s\" is a mounter that did not finish within the run's cap.");
        md.AppendLine();
        Report.FigureTable(md, mounters, [.. rows.Select(r => r.Id)], id => all.First(r => r.Id == id).Title,
            id => all.First(r => r.Id == id).Higher, Find, "s3fs", "s3fs", LimitOf);
        md.AppendLine();
        md.AppendLine("The daemon during each row: CPU seconds (user + system) / peak RSS (VmHWM, reset before the row) / RSS at the end of the row (VmRSS), in MiB; then the requests the store saw, by type (LIST = a GET of the bucket with a listing query). For the limit: the client process and its requests.");
        md.AppendLine();
        Report.Header(md, mounters);
        foreach (var (id, _, _) in rows)
        {
            md.Append($"| {id} |");
            foreach (var m in mounters) md.Append($" {Resources(Find(m.Id, id))} |");
            md.AppendLine();
        }
        md.AppendLine();
        md.AppendLine("<details><summary>Details of each measurement</summary>");
        md.AppendLine();
        foreach (var r in records)
            md.AppendLine($"- {(string?)r["workload"]}, {(string?)r["mounter"]}: {Report.Detail(r)}");
        md.AppendLine();
        md.AppendLine("</details>");

        return Report.Write(args, md.ToString(), meta, layout.ToJson(), records.Select(r => (JsonNode)r));
    }

    private static string Resources(JsonObject? r)
    {
        if (r == null || r["status"] is not null) return "–";
        double? cpu = Report.Num(r["daemon_cpu_s"]) ?? Report.Num(r["result"]?["client_cpu_s"]);
        double? peak = Report.Num(r["daemon_peak_rss_mib"]) ?? Report.Num(r["result"]?["client_peak_rss_mib"]);
        double? steady = Report.Num(r["daemon_rss_mib"]);
        string F(double? v, string format) => v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : "?";
        var cell = new StringBuilder($"{F(cpu, "0.0")} s / {F(peak, "0")}{(steady is null ? "" : " / " + F(steady, "0"))} MiB");
        if (r["requests"] is JsonObject requests)
        {
            var counts = requests.Where(p => Report.Num(p.Value) is > 0).Select(p => $"{Report.Num(p.Value):N0} {p.Key}").ToList();
            cell.Append("; ").Append(counts.Count == 0 ? "no requests" : string.Join(", ", counts));
        }
        return cell.ToString();
    }
}
