using System.Text;

namespace Bucketfs.Cli.Operations;

/// <summary>
/// What `bucketfs stats` prints: rates between two statuses of one mount (throughput, requests and
/// errors per second, data-cache hit rate) and what it holds at the later one (memory, open files,
/// pending uploads and which files).
/// </summary>
internal static class StatsView
{
    private const string StoreRequests = "bucketfs.store.request.duration";
    private const string FuseOperations = "bucketfs.fuse.operation.duration";

    public static string Render(MountStatus before, MountStatus now, TimeSpan between)
    {
        // Totals began again (the daemon stopped listening while nobody looked): they are all since then.
        if (before.Figures.ListeningSince != now.Figures.ListeningSince) before = before with { Figures = now.Figures with { Counts = [] } };
        double seconds = Math.Max(between.TotalSeconds, 0.001);
        double Rate(string key) => Delta(before, now, key) / seconds;
        long requests = DeltaAll(before, now, StoreRequests), ok = Delta(before, now, StoreRequests + "{ok}");
        long hits = Delta(before, now, "bucketfs.data_cache.hits"), misses = Delta(before, now, "bucketfs.data_cache.misses");
        var gauges = now.Figures.Gauges;
        double Gauge(string name) => gauges.GetValueOrDefault(name);
        var text = new StringBuilder()
            .AppendLine($"{now.Mountpoint}: {now.Source}, pid {now.Pid}, up {Duration(DateTimeOffset.UtcNow - now.Started)}{(now.LogFile is null ? "" : $", log {now.LogFile}")}")
            .AppendLine($"  read     {CacheCommand.Size((long)Rate("bucketfs.store.io{receive}"))}/s from the store, written {CacheCommand.Size((long)Rate("bucketfs.store.io{transmit}"))}/s")
            .AppendLine($"  store    {requests / seconds:0.0} requests/s, {(requests - ok) / seconds:0.0} errors/s, {Delta(before, now, "bucketfs.store.retries") / seconds:0.0} retries/s")
            .AppendLine($"  fuse     {DeltaAll(before, now, FuseOperations) / seconds:0.0} operations/s, {Delta(before, now, FuseOperations + "{error}") / seconds:0.0} errors/s")
            .AppendLine($"  cache    {(hits + misses == 0 ? "no reads" : $"{100.0 * hits / (hits + misses):0.0}% hits ({hits} of {hits + misses})")}, {CacheCommand.Size((long)Gauge("bucketfs.data_cache.usage"))} on disk")
            .AppendLine($"  memory   {CacheCommand.Size((long)Gauge("bucketfs.memory.usage"))} of {CacheCommand.Size((long)Gauge("bucketfs.memory.limit"))}; {Gauge("bucketfs.handles.open")} open files, {Gauge("bucketfs.inodes")} inodes")
            .AppendLine($"  uploads  {Gauge("bucketfs.staged.files")} files staged, {now.PendingUploads.Count} pending");
        foreach (string file in now.PendingUploads) text.AppendLine($"    {file}");
        return text.ToString();
    }

    private static long Delta(MountStatus before, MountStatus now, string key) =>
        now.Figures.Counts.GetValueOrDefault(key) - before.Figures.Counts.GetValueOrDefault(key);

    /// <summary>Over every split of one instrument ("name" and each "name{value}").</summary>
    private static long DeltaAll(MountStatus before, MountStatus now, string name)
    {
        long total = 0;
        foreach (var (key, count) in now.Figures.Counts)
            if (key == name || key.StartsWith(name + "{", StringComparison.Ordinal)) total += count - before.Figures.Counts.GetValueOrDefault(key);
        return total;
    }

    private static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min" : span.TotalMinutes >= 1 ? $"{span.Minutes} min {span.Seconds} s" : $"{span.Seconds} s";
}
