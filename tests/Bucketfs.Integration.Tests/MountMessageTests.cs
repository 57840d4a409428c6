namespace Bucketfs.Integration.Tests;

/// <summary>The lines a failed mount prints name what was tried and the way out, and never suggest stacking mounts.</summary>
public sealed class MountMessageTests
{
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task NonemptyNeverStacksABucketfsMountOnABucketfsMount(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket);

        foreach (string[] extra in new[] { Array.Empty<string>(), ["-o", "nonempty"] })
        {
            var result = Cli.Run(store, ["mount", $"s3://{bucket}", mount.Path, "--endpoint-url", store.Endpoint, "--force-path-style", .. extra]);
            MountErrorTests.AssertOneLineError(result, $"{mount.Path} is already a mountpoint (fuse.bucketfs); unmount it first");
            Assert.DoesNotContain("nonempty", result.Stderr);
        }
        Assert.Single(File.ReadLines("/proc/mounts"), l => l.Split(' ')[1] == mount.Path);
    }

    [Fact]
    public async Task VirtualHostFailureNamesTheHostTriedAndPathStyle()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        string mountpoint = Path.Combine(folder.Path, "mnt");
        Directory.CreateDirectory(mountpoint);
        string endpoint = new UriBuilder(store.Endpoint) { Host = "localhost" }.Uri.ToString();

        var result = Cli.Run(store, ["mount", $"s3://{bucket}", mountpoint, "--endpoint-url", endpoint, "--cache-dir", Path.Combine(folder.Path, "cache")]);

        MountErrorTests.AssertOneLineError(result, $"{bucket}.localhost");
        Assert.Contains("--force-path-style", result.Stderr);
        Assert.DoesNotContain(File.ReadLines("/proc/mounts"), l => l.Split(' ')[1] == mountpoint);
    }
}
