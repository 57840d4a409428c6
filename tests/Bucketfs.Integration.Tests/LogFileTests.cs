namespace Bucketfs.Integration.Tests;

/// <summary>What the daemon's log holds, and that only its own daemon writes it.</summary>
public sealed class LogFileTests
{
    [Fact]
    public async Task AFailedSecondMountOfTheSameMountpointLeavesTheFirstMountsLogUntouched()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        string mountpoint = Path.Combine(folder.Path, "mnt"), log = Path.Combine(folder.Path, "bucketfs.log");
        Directory.CreateDirectory(mountpoint);
        string[] mount = ["mount", $"s3://{bucket}", mountpoint, "--endpoint-url", store.Endpoint, "--force-path-style", "--cache-dir", Path.Combine(folder.Path, "cache"), "--log-file", log];
        var first = Cli.Run(store, mount);
        Assert.True(first.ExitCode == 0, first.Stderr);
        try
        {
            var before = File.ReadAllBytes(log);

            var second = Cli.Run(store, mount);

            MountErrorTests.AssertOneLineError(second, "is already a mountpoint");
            Assert.Equal(before, File.ReadAllBytes(log));
        }
        finally
        {
            Assert.Equal(0, Cli.Run(null, ["unmount", mountpoint]).ExitCode);
        }
    }

    [Fact]
    public async Task DebugLogsEachStoreRequestWithItsRangeStatusBytesAndAttempt()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "ranged.bin", new byte[3 << 20]);
        var mount = BucketMount.Start(store, bucket, "--debug");
        Assert.Equal(3 << 20, File.ReadAllBytes(mount["ranged.bin"]).Length);
        mount.Dispose();

        Assert.Matches(@"GET ranged\.bin bytes=\d+-\d+ -> 206 ok, \d+ bytes, \d+ ms, attempt 1", mount.Log);
        Assert.Matches(@"HEAD ranged\.bin -> 200 ok, 0 bytes, \d+ ms, attempt 1", mount.Log);
    }
}
