using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Bench.Compare;

/// <summary>The workloads made through a mounted filesystem with ordinary system calls (pread on plain descriptors).</summary>
internal static class Fs
{
    /// <summary>
    /// `seq`: read the file front to back in B-byte preads (like dd bs=1M), hashing on a second
    /// thread. With --max-mib only the first part is read, and checked against the generated content
    /// instead of the whole file's sha256.
    /// </summary>
    public static int Seq(Args args, Manifest m)
    {
        string path = args.Get("file");
        int block = args.Int("block", 1 << 20);
        long limit = m.SequentialBytes(args);
        bool whole = limit == m.LargeBytes;
        ulong seed = Content.SeedOf(Layout.LargeKey);
        var free = new BlockingCollection<byte[]>();
        for (int i = 0; i < 8; i++) free.Add(new byte[block]);
        var full = new BlockingCollection<(byte[] Buffer, int Length, long Offset)>(8);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        bool contentOk = true;
        var hasher = new Thread(() =>
        {
            foreach (var (buffer, length, offset) in full.GetConsumingEnumerable())
            {
                if (whole) hash.AppendData(buffer, 0, length);
                else contentOk &= Content.Matches(seed, offset, buffer.AsSpan(0, length));
                free.Add(buffer);
            }
        }) { Name = "hasher" };
        var clock = Stopwatch.StartNew();
        long total = 0, reads = 0;
        using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            hasher.Start();
            try
            {
                while (total < limit)
                {
                    var buffer = free.Take();
                    int n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(block, limit - total)), total);
                    if (n == 0) break;
                    reads++;
                    full.Add((buffer, n, total));
                    total += n;
                }
            }
            finally
            {
                full.CompleteAdding();
                hasher.Join();
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var (ok, check) = Content.Verdict(m, hash, whole, contentOk, total, limit);
        return Result.Print(total / 1048576.0 / seconds, "MiB/s", ok,
            $"{total} bytes in {reads} reads of {block >> 10} KiB in {seconds:0.00} s; {check}",
            new JsonObject { ["seconds"] = seconds, ["bytes"] = total });
    }

    /// <summary>
    /// `ml`: one training epoch: list the class folders (as an ImageFolder loader does), shuffle, and
    /// read every file whole from T threads (open, read to EOF, close), checking each file's bytes.
    /// </summary>
    public static int Ml(Args args, Manifest m)
    {
        string root = args.Get("root");
        int threads = args.Int("threads", 8);
        var clock = Stopwatch.StartNew();
        string ml = Path.Combine(root, Layout.MlPrefix);
        var files = Directory.EnumerateDirectories(ml).Order(StringComparer.Ordinal)
            .SelectMany(d => Directory.EnumerateFiles(d).Order(StringComparer.Ordinal)).ToArray();
        double listSeconds = clock.Elapsed.TotalSeconds;
        new Random(args.Int("shuffle-seed", 42)).Shuffle(files);
        int listed = files.Length;
        if (args.Int("limit", 0) is > 0 and var limit && limit < files.Length) files = files[..limit];
        int next = -1, bad = 0;
        string? firstError = null;
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var buffer = new byte[Math.Max(m.MlBytes, 4096) + 4096];
            for (int i; (i = Interlocked.Increment(ref next)) < files.Length;)
            {
                string key = Path.GetRelativePath(root, files[i]);
                try
                {
                    using var handle = File.OpenHandle(files[i], FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    int total = 0;
                    for (int n; (n = RandomAccess.Read(handle, buffer.AsSpan(total), total)) > 0;)
                    {
                        total += n;
                        if (total == buffer.Length) break;
                    }
                    if (total != m.MlBytes || !Content.Matches(Content.SeedOf(key), 0, buffer.AsSpan(0, total)))
                    {
                        Interlocked.Increment(ref bad);
                        Interlocked.CompareExchange(ref firstError, $"{key}: {total} bytes, content {(total == m.MlBytes ? "differs" : "short")}", null);
                    }
                }
                catch (IOException e)
                {
                    Interlocked.Increment(ref bad);
                    Interlocked.CompareExchange(ref firstError, $"{key}: {e.Message}", null);
                }
            }
        }) { Name = $"ml-{t}" }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        double seconds = clock.Elapsed.TotalSeconds;
        bool ok = bad == 0 && listed == m.MlCount;
        return Result.Print(files.Length / seconds, "files/s", ok,
            $"{files.Length} of {listed} listed files of {m.MlBytes >> 10} KiB by {threads} threads in {seconds:0.00} s (listing {listSeconds:0.00} s), {bad} wrong{(firstError == null ? "" : "; first: " + firstError)}",
            new JsonObject { ["files"] = files.Length, ["seconds"] = seconds, ["list_seconds"] = listSeconds });
    }

    /// <summary>`rand`: preads of B bytes at random aligned offsets of the large file from T threads for S seconds, each checked.</summary>
    public static int Rand(Args args, Manifest m)
    {
        string path = args.Get("file");
        int threads = args.Int("threads", 1);
        int block = args.Int("block", 64 << 10);
        var duration = TimeSpan.FromSeconds(args.Double("seconds", 10));
        ulong seed = Content.SeedOf(Layout.LargeKey);
        long blocks = m.LargeBytes / block;
        int bad = 0;
        var latencies = new List<double>[threads];
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var random = new Random(1000 + t);
            var buffer = new byte[block];
            var mine = latencies[t] = [];
            while (clock.Elapsed < duration)
            {
                long offset = random.NextInt64(blocks) * block;
                long t0 = Stopwatch.GetTimestamp();
                int n = ReadFully(handle, buffer, offset);
                mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (n != block || !Content.Matches(seed, offset, buffer)) Interlocked.Increment(ref bad);
            }
        }) { Name = $"rand-{t}" }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        double seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).ToList();
        var extra = Result.Latencies(all);
        extra["reads"] = all.Count;
        extra["mib_per_s"] = Math.Round(all.Count * (double)block / 1048576 / seconds, 2);
        return Result.Print(all.Count / seconds, "reads/s", bad == 0 && all.Count > 0,
            $"{all.Count} preads of {block >> 10} KiB by {threads} threads in {seconds:0.0} s, {bad} wrong; p50 {extra["p50_ms"]} ms, p99 {extra["p99_ms"]} ms", extra);
    }

    internal static int ReadFully(SafeFileHandle handle, byte[] buffer, long offset)
    {
        int total = 0;
        for (int n; total < buffer.Length && (n = RandomAccess.Read(handle, buffer.AsSpan(total), offset + total)) > 0;) total += n;
        return total;
    }
}
