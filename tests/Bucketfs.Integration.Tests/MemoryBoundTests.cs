namespace Bucketfs.Integration.Tests;

/// <summary>
/// Many readers at once stay within the daemon's memory bound: 32 readers of different 64 MiB
/// files and one 1 GiB sequential read, peak RSS (VmHWM) at most 256 MiB with default options, and
/// lower with a much lower --memory-limit. The lower limit is 16 MiB, not one near the default: peak
/// RSS varies by some 30 MiB from run to run (how many readers wait on data at the same moment), so
/// 64 against 96 MiB came out the wrong way round in one CI run.
/// </summary>
public sealed class MemoryBoundTests
{
    private const long MostResident = 256L << 20;

    [Fact]
    public async Task ManyReadersAtOnceStayWithinTheMemoryBound()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        var sums = new Dictionary<string, byte[]>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 33), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            string key = i == 32 ? "large" : $"files/{i:D2}";
            byte[] sum = await store.PutLargeAsync(bucket, key, i == 32 ? 1L << 30 : 64L << 20, seed: i);
            lock (sums) sums[key] = sum;
        });

        long defaults = ReadAllAtOnce(store, bucket, sums);
        long limited = ReadAllAtOnce(store, bucket, sums, "--memory-limit", "16");

        Console.WriteLine($"memory: 32 readers of 64 MiB files and a 1 GiB sequential read at once peaked at {defaults >> 20} MiB with defaults, {limited >> 20} MiB with --memory-limit 16");
        Assert.True(defaults <= MostResident, $"peak RSS {defaults >> 20} MiB with defaults");
        Assert.True(limited < defaults, $"peak RSS {limited >> 20} MiB with --memory-limit 16, {defaults >> 20} MiB without");
    }

    /// <summary>Reads every file at once through a fresh mount, checks each sha256, and returns the daemon's peak RSS.</summary>
    private static long ReadAllAtOnce(TestStore store, string bucket, Dictionary<string, byte[]> sums, params string[] options)
    {
        using var mount = BucketMount.Start(store, bucket, options);
        Parallel.ForEach(sums, new ParallelOptions { MaxDegreeOfParallelism = sums.Count }, file =>
        {
            using var stream = new FileStream(mount[file.Key], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            Assert.Equal(file.Value, System.Security.Cryptography.SHA256.HashData(stream));
        });
        string status = File.ReadAllText($"/proc/{mount.Pid}/status");
        string peak = status.Split('\n').First(l => l.StartsWith("VmHWM:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return long.Parse(peak) << 10;
    }
}
