using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Bucketfs.Bench.Compare;

/// <summary>
/// The workloads made straight against the store with the S3 SDK, no FUSE: the practical limit a
/// mounter could reach on this machine.
/// </summary>
internal static class Direct
{
    /// <summary>`direct-seq`: the large file as P parallel ranged GETs of N MiB, hashed in order.</summary>
    public static async Task<int> SeqAsync(Args args, Manifest m)
    {
        int parallel = args.Int("parallel", 8);
        int partBytes = args.Int("part-mib", 8) << 20;
        using var store = new Store(args);
        long size = m.SequentialBytes(args);
        bool whole = size == m.LargeBytes;
        bool contentOk = true;
        ulong seed = Content.SeedOf(Layout.LargeKey);
        int parts = (int)((size + partBytes - 1) / partBytes);
        var buffers = Enumerable.Range(0, parallel).Select(_ => new byte[partBytes]).ToArray();
        var tasks = new Task<int>[parts];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var clock = Stopwatch.StartNew();
        Task<int> Start(int p)
        {
            long offset = (long)p * partBytes;
            int n = (int)Math.Min(partBytes, size - offset);
            return store.GetAsync(Layout.LargeKey, offset, buffers[p % parallel].AsMemory(0, n));
        }
        for (int p = 0; p < Math.Min(parallel, parts); p++) tasks[p] = Start(p);
        long total = 0;
        for (int p = 0; p < parts; p++)
        {
            int n = await tasks[p];
            if (whole) hash.AppendData(buffers[p % parallel], 0, n);
            else contentOk &= Content.Matches(seed, (long)p * partBytes, buffers[p % parallel].AsSpan(0, n));
            total += n;
            if (p + parallel < parts) tasks[p + parallel] = Start(p + parallel);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var (ok, check) = Content.Verdict(m, hash, whole, contentOk, total, size);
        return Result.Print(size / 1048576.0 / seconds, "MiB/s", ok,
            $"{parallel} parallel ranged GETs of {partBytes >> 20} MiB; {total} bytes in {seconds:0.00} s; {check}",
            new JsonObject { ["seconds"] = seconds, ["bytes"] = total });
    }

    /// <summary>`direct-ls`: one folder level of small/ (what ls -l needs: names, sizes, dates).</summary>
    public static async Task<int> LsAsync(Args args, Manifest m)
    {
        using var store = new Store(args);
        var clock = Stopwatch.StartNew();
        var (entries, requests) = await store.ListAsync(Layout.SmallPrefix, "/");
        double seconds = clock.Elapsed.TotalSeconds;
        return Result.Print(seconds, "s", entries == m.SmallCount, $"{entries} entries in {requests} LIST requests",
            new JsonObject { ["entries"] = entries });
    }

    /// <summary>`direct-find`: every key of the bucket, one flat listing.</summary>
    public static async Task<int> FindAsync(Args args, Manifest m)
    {
        using var store = new Store(args);
        var clock = Stopwatch.StartNew();
        var (entries, requests) = await store.ListAsync("", null);
        double seconds = clock.Elapsed.TotalSeconds;
        return Result.Print(seconds, "s", entries == m.ObjectCount, $"{entries} keys in {requests} LIST requests",
            new JsonObject { ["entries"] = entries });
    }

    /// <summary>`direct-ml`: list ml/, then GET every file whole in shuffled order from T workers, checking each.</summary>
    public static async Task<int> MlAsync(Args args, Manifest m)
    {
        int threads = args.Int("threads", 8);
        using var store = new Store(args);
        var clock = Stopwatch.StartNew();
        var keys = (await store.ListKeysAsync(Layout.MlPrefix)).ToArray();
        new Random(args.Int("shuffle-seed", 42)).Shuffle(keys);
        int listed = keys.Length;
        if (args.Int("limit", 0) is > 0 and var limit && limit < keys.Length) keys = keys[..limit];
        int next = -1, bad = 0;
        async Task Worker()
        {
            var buffer = new byte[m.MlBytes];
            for (int i; (i = Interlocked.Increment(ref next)) < keys.Length;)
            {
                int n = await store.GetAsync(keys[i], null, buffer);
                if (n != m.MlBytes || !Content.Matches(Content.SeedOf(keys[i]), 0, buffer.AsSpan(0, n))) Interlocked.Increment(ref bad);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Run(Worker)));
        double seconds = clock.Elapsed.TotalSeconds;
        return Result.Print(keys.Length / seconds, "files/s", bad == 0 && listed == m.MlCount,
            $"{keys.Length} of {listed} listed files by {threads} workers in {seconds:0.00} s, {bad} wrong",
            new JsonObject { ["files"] = keys.Length, ["seconds"] = seconds });
    }

    /// <summary>`direct-rand`: ranged GETs of B bytes at random aligned offsets of the large file, T workers, for S seconds.</summary>
    public static async Task<int> RandAsync(Args args, Manifest m)
    {
        int threads = args.Int("threads", 1);
        int block = args.Int("block", 64 << 10);
        var duration = TimeSpan.FromSeconds(args.Double("seconds", 10));
        using var store = new Store(args);
        ulong seed = Content.SeedOf(Layout.LargeKey);
        long blocks = m.LargeBytes / block;
        int bad = 0;
        var latencies = new List<double>[threads];
        var clock = Stopwatch.StartNew();
        async Task Worker(int t)
        {
            var random = new Random(1000 + t);
            var buffer = new byte[block];
            var mine = latencies[t] = [];
            while (clock.Elapsed < duration)
            {
                long offset = random.NextInt64(blocks) * block;
                long t0 = Stopwatch.GetTimestamp();
                int n = await store.GetAsync(Layout.LargeKey, offset, buffer);
                mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (n != block || !Content.Matches(seed, offset, buffer)) Interlocked.Increment(ref bad);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() => Worker(t))));
        double seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).ToList();
        var extra = Result.Latencies(all);
        extra["reads"] = all.Count;
        extra["mib_per_s"] = Math.Round(all.Count * (double)block / 1048576 / seconds, 2);
        return Result.Print(all.Count / seconds, "reads/s", bad == 0,
            $"{all.Count} reads of {block >> 10} KiB by {threads} workers in {seconds:0.0} s, {bad} wrong; p50 {extra["p50_ms"]} ms, p99 {extra["p99_ms"]} ms", extra);
    }
}
