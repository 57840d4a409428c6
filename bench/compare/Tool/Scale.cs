using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.S3.Model;

namespace Bucketfs.Bench.Compare;

/// <summary>
/// The scale suite's workloads (bench/scale) that need more than a shell command: each either through
/// a mount (--root MNT) or straight against the store with the SDK (--endpoint, the limit).
/// </summary>
internal static class Scale
{
    /// <summary>`scale-list`: the paged LIST of a layout, one level (--delimiter /, what ls needs) or all of it (what find and du need).</summary>
    public static async Task<int> ListAsync(Args args, ScaleLayout m)
    {
        string layout = args.Get("layout");
        bool oneLevel = args.Flag("one-level");
        using var store = new Store(args);
        await store.WarmUpAsync();
        var clock = Stopwatch.StartNew();
        var (entries, requests) = await store.ListAsync(ScaleLayout.Prefix(layout), oneLevel ? "/" : null);
        double seconds = clock.Elapsed.TotalSeconds;
        int expected = oneLevel && layout == "tree" ? m.Folders(layout) : m.Keys(layout);
        return Result.Print(seconds, "s", entries == expected, $"{entries} entries in {requests} LIST requests ({expected} expected)",
            new JsonObject { ["entries"] = entries, ["list_requests"] = requests });
    }

    /// <summary>`scale-stat`: stat (or HEAD, direct) of --count random names of a layout, one at a time, each size checked.</summary>
    public static async Task<int> StatAsync(Args args, ScaleLayout m)
    {
        string layout = args.Get("layout");
        var sample = m.Sample(args.Int("count", 1000), args.Int("seed", 7));
        string? root = args.Get("root", "") is { Length: > 0 } r ? r : null;
        using var store = root == null ? new Store(args) : null;
        if (store != null) await store.WarmUpAsync();
        int bad = 0;
        var latencies = new List<double>(sample.Length);
        var clock = Stopwatch.StartNew();
        foreach (int i in sample)
        {
            string key = ScaleLayout.Key(layout, i);
            long t0 = Stopwatch.GetTimestamp();
            long size = store != null
                ? (await store.Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = store.Bucket, Key = key })).ContentLength
                : new FileInfo(Path.Combine(root!, key)) is { Exists: true } f ? f.Length : -1;
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            if (size != m.Bytes) bad++;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var extra = Result.Latencies(latencies);
        return Result.Print(seconds, "s", bad == 0, $"{sample.Length} random names of {layout}/ in {seconds:0.00} s, {bad} wrong; p50 {extra["p50_ms"]} ms, p99 {extra["p99_ms"]} ms", extra);
    }

    /// <summary>`scale-epoch`: read --sample random files of a layout whole, shuffled, from --threads workers (open, read to EOF, close; or GET, direct), each checked.</summary>
    public static async Task<int> EpochAsync(Args args, ScaleLayout m)
    {
        string layout = args.Get("layout");
        int threads = args.Int("threads", 8);
        var sample = m.Sample(args.Int("sample", 10_000), args.Int("seed", 42));
        string? root = args.Get("root", "") is { Length: > 0 } r ? r : null;
        using var store = root == null ? new Store(args) : null;
        if (store != null) await store.WarmUpAsync();
        int next = -1, bad = 0;
        string? firstError = null;
        async Task Worker()
        {
            var buffer = new byte[m.Bytes + 4096];
            for (int n; (n = Interlocked.Increment(ref next)) < sample.Length;)
            {
                string key = ScaleLayout.Key(layout, sample[n]);
                try
                {
                    int got = store != null ? await store.GetAsync(key, null, buffer.AsMemory(0, m.Bytes)) : ReadWhole(Path.Combine(root!, key), buffer);
                    if (got != m.Bytes || !Content.Matches(Content.SeedOf(key), 0, buffer.AsSpan(0, got))) throw new InvalidDataException($"{got} bytes, content differs");
                }
                catch (Exception e) when (e is IOException or Amazon.S3.AmazonS3Exception)
                {
                    Interlocked.Increment(ref bad);
                    Interlocked.CompareExchange(ref firstError, $"{key}: {e.Message}", null);
                }
            }
        }
        var clock = Stopwatch.StartNew();
        // Through a mount each worker is a thread blocked in system calls, as a data loader's are.
        var workers = Enumerable.Range(0, threads).Select(_ => store != null ? Task.Run(Worker) : Task.Factory.StartNew(() => Worker().GetAwaiter().GetResult(), TaskCreationOptions.LongRunning));
        await Task.WhenAll(workers);
        double seconds = clock.Elapsed.TotalSeconds;
        return Result.Print(sample.Length / seconds, "files/s", bad == 0,
            $"{sample.Length} random files of {layout}/ by {threads} workers in {seconds:0.00} s, {bad} wrong{(firstError == null ? "" : "; first: " + firstError)}",
            new JsonObject { ["files"] = sample.Length, ["seconds"] = seconds });
    }

    private static int ReadWhole(string path, byte[] buffer)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return Fs.ReadFully(handle, buffer, 0);
    }
}
