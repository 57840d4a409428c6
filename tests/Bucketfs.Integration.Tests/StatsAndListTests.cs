namespace Bucketfs.Integration.Tests;

/// <summary>`bucketfs stats` and `bucketfs list` against live mounts: found from the mountpoint, no port to know.</summary>
public sealed class StatsAndListTests
{
    [Fact]
    public async Task ListShowsEveryLiveMountAndStatsShowsOne()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "data.bin", new byte[300_000]);
        using var first = BucketMount.Start(store, bucket);
        using var second = BucketMount.Start(store, bucket, "--read-only");
        Assert.Equal(300_000, File.ReadAllBytes(first["data.bin"]).Length);

        var list = Cli.Run(null, ["list"], timeout: TimeSpan.FromSeconds(30));
        var stats = Cli.Run(null, ["stats", first.Path], timeout: TimeSpan.FromSeconds(30));

        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Contains($"{first.Path}  s3://{bucket}/  serving", list.Stdout);
        Assert.Contains($"{second.Path}  s3://{bucket}/  serving", list.Stdout);
        Assert.Contains($"pid {second.Pid}", list.Stdout);
        Assert.Contains("--read-only", list.Stdout);
        Assert.True(stats.ExitCode == 0, stats.Stderr);
        Assert.StartsWith($"{first.Path}: s3://{bucket}/, pid {first.Pid}", stats.Stdout);
        foreach (string figure in new[] { "requests/s", "operations/s", "of 96.0 MiB", "0 pending" })
            Assert.Contains(figure, stats.Stdout);
    }

    [Fact]
    public async Task StatsNamesTheClosedFilesNotYetUploaded()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        using var proxy = new FaultProxy(store.Endpoint);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, "--request-timeout", "3");
        int fd = Libc.Open(mount["late.txt"], Libc.O_WRONLY | Libc.O_CREAT, 0x1A4);
        Libc.Write(fd, "closed while the store was away"u8.ToArray(), 31);
        proxy.Cut();
        Assert.Equal(-1, Libc.Close(fd));

        // The kernel releases the file after close() has returned: the retries start then.
        var stats = await Eventually.PollAsync(() => Task.FromResult(Cli.Run(null, ["stats", mount.Path], timeout: TimeSpan.FromSeconds(30))),
            result => result.ExitCode != 0 || result.Stdout.Contains("1 pending"));

        proxy.Restore();
        Assert.True(stats.ExitCode == 0, stats.Stderr);
        Assert.Contains("1 pending", stats.Stdout);
        Assert.Contains("late.txt (kept in ", stats.Stdout);
    }
}
