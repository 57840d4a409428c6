using System.Diagnostics;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// A store that misbehaves (through <see cref="HttpFaultProxy"/>): reads give the right bytes or an
/// error, never fewer bytes; an acknowledged write is in the bucket intact; no call waits longer
/// than the request timeout; a signal ends a waiting call at once. Short timeouts keep it quick.
/// </summary>
public sealed class FaultTests
{
    private const int RequestTimeoutSeconds = 3;
    private static readonly string[] ShortTimeouts = ["--request-timeout", $"{RequestTimeoutSeconds}", "--stall-timeout", "1"];

    /// <summary>Where calls must succeed despite faults: room for retries on a machine loaded by the rest of the suite (Swift's HEADs took over a second there).</summary>
    private static readonly string[] RoomyTimeouts = ["--request-timeout", "15", "--stall-timeout", "2"];

    /// <summary>Longest a call may take past the request timeout (the kernel, the process, a loaded machine).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task BadAnswersAreRetriedAndNeverReadBackShort(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var random = new Random(7);
        var files = Enumerable.Range(0, 40).Select(i => ($"data/{i:D3}", RandomBytes(random, 20_000 + i * 2_500))).ToList();
        files.Add(("large", RandomBytes(random, 6 << 20)));
        await store.PutManyAsync(bucket, files);
        using var proxy = new HttpFaultProxy(store.Endpoint, seed: 11);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, RoomyTimeouts);
        AddEach(proxy, "GET", [Fault.ShortBody, Fault.LongBody, Fault.ResetMidBody, Fault.ServerError, Fault.SlowDown]);

        int intact = 0, failed = 0;
        long bytes = 0;
        foreach (var (key, content) in files)
        {
            byte[] read;
            try
            {
                read = File.ReadAllBytes(mount[key]);
            }
            catch (IOException)
            {
                // An error is an allowed answer to a store that keeps failing; a short file is not.
                failed++;
                continue;
            }
            Assert.Equal(content.Length, read.Length);
            Assert.True(content.AsSpan().SequenceEqual(read), $"{key} read back other bytes");
            intact++;
            bytes += read.Length;
        }

        Assert.True(proxy.Faulted > 0, "no fault was injected");
        Assert.True(intact >= files.Count - 3, $"{failed} of {files.Count} reads failed although each bad answer is retried");
        Console.WriteLine($"faults {storeName}: {intact} files ({bytes} bytes) read intact, {failed} failed, 0 short, {proxy.Faulted} faults injected");
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task EveryAcknowledgedWriteIsInTheBucketIntact(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var proxy = new HttpFaultProxy(store.Endpoint, seed: 5);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, RoomyTimeouts);
        AddEach(proxy, "PUT", [Fault.ServerError, Fault.SlowDown, Fault.ResetBeforeAnswer, Fault.StallBeforeAnswer]);

        var random = new Random(3);
        var acknowledged = new List<(string Key, byte[] Content)>();
        for (int i = 0; i < 20; i++)
        {
            string key = $"out-{i:D2}";
            var content = RandomBytes(random, 10_000 + i * 1_000);
            int fd = Libc.Open(mount[key], Libc.O_WRONLY | Libc.O_CREAT, 0x1A4);
            Assert.True(fd >= 0);
            bool written = Libc.Write(fd, content, content.Length) == content.Length;
            if (Libc.Close(fd) == 0 && written) acknowledged.Add((key, content));
        }
        proxy.Clear();

        Assert.True(proxy.Faulted > 0, "no fault was injected");
        Assert.NotEmpty(acknowledged);
        foreach (var (key, content) in acknowledged)
            Assert.Equal(content, await store.GetAsync(bucket, key));
        Console.WriteLine($"faults {storeName}: {acknowledged.Count} of 20 closes acknowledged, all intact in the bucket, {proxy.Faulted} faults injected");
    }

    [Theory]
    [InlineData(Fault.StallBeforeAnswer)]
    [InlineData(Fault.StallMidBody)]
    public async Task AStalledStoreFailsCallsWithinTheRequestTimeout(Fault fault)
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        await store.PutManyAsync(bucket, [("file", RandomBytes(new Random(1), 2 << 20))]);
        using var proxy = new HttpFaultProxy(store.Endpoint);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, ShortTimeouts);
        proxy.Add(new FaultRule(fault));

        var listing = Timed(() => Directory.GetFileSystemEntries(mount.Path));
        var reading = Timed(() => File.ReadAllBytes(mount["file"]));
        proxy.Clear();

        foreach (var (what, result) in new[] { ("ls", listing), ("read", reading) })
        {
            Assert.True(result.Elapsed < TimeSpan.FromSeconds(RequestTimeoutSeconds) + Slack, $"{what} took {result.Elapsed}");
            Console.WriteLine($"faults {fault}: {what} answered in {result.Elapsed.TotalSeconds:0.0} s ({(result.Failed ? "error" : "data")})");
        }
        Assert.True(listing.Failed || reading.Failed, "a stalled store answered");
    }

    [Fact]
    public async Task AStoreThatRefusesConnectionsFailsCallsWithinTheRequestTimeout()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        await store.PutManyAsync(bucket, [("file", "data"u8.ToArray())]);
        using var proxy = new HttpFaultProxy(store.Endpoint);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, ShortTimeouts);
        proxy.Outage(true);

        var reading = Timed(() => File.ReadAllBytes(mount["file"]));
        proxy.Outage(false);

        Assert.True(reading.Failed);
        Assert.True(reading.Elapsed < TimeSpan.FromSeconds(RequestTimeoutSeconds) + Slack, $"read took {reading.Elapsed}");
        Console.WriteLine($"faults refused: read failed in {reading.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task CtrlCEndsALookupWaitingOnAStalledStoreAtOnce()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        using var proxy = new HttpFaultProxy(store.Endpoint);
        // A long request timeout, so only the interrupt can end the wait.
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, "--request-timeout", "60");
        proxy.Add(new FaultRule(Fault.StallBeforeAnswer));

        // Python turns SIGINT into an exception: the process lives on, so the kernel interrupts the
        // stat it waits in (a process killed by the signal would not need the daemon's answer).
        var start = new ProcessStartInfo("python3", ["-c", $"import os, sys\nprint('ready', flush=True)\ntry:\n    os.stat('{mount["unknown"]}')\nexcept KeyboardInterrupt:\n    print('interrupted', flush=True)"]) { RedirectStandardOutput = true };
        using var python = Process.Start(start)!;
        Assert.Equal("ready", python.StandardOutput.ReadLine());
        // The signal must find the stat waiting on the store, not on its way there.
        Assert.True(Eventually.Holds(() => proxy.Requests.Any(r => r.Contains("unknown", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)),
            "the lookup never reached the store");
        var interrupted = python.StandardOutput.ReadLineAsync();
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, Libc.Kill(python.Id, Libc.SIGINT));
        bool answered = await Task.WhenAny(interrupted, Task.Delay(TimeSpan.FromSeconds(10))) == interrupted;
        var elapsed = clock.Elapsed;
        proxy.Clear();
        if (!python.WaitForExit(TimeSpan.FromSeconds(10))) python.Kill();

        Assert.True(answered && elapsed < TimeSpan.FromSeconds(1) + Slack, $"stat still waited {elapsed} after SIGINT");
        Assert.Equal("interrupted", await interrupted);
        Console.WriteLine($"faults interrupt: stat ended {elapsed.TotalMilliseconds:0} ms after SIGINT");
    }

    /// <summary>
    /// Each fault on its own share of the keys (the proxy tries only the first rule a request
    /// matches), each time with even odds: retries meet the same fault again, as with a bad disk.
    /// </summary>
    private static void AddEach(HttpFaultProxy proxy, string method, Fault[] faults)
    {
        for (int i = 0; i < faults.Length; i++)
        {
            int share = i;
            proxy.Add(new FaultRule(faults[i]) { Method = method, Probability = 0.5, Match = request => request.Sum(c => c) % (faults.Length + 1) == share });
        }
    }

    private static (TimeSpan Elapsed, bool Failed) Timed(Action call)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            call();
            return (clock.Elapsed, false);
        }
        catch (IOException)
        {
            return (clock.Elapsed, true);
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
