namespace Bucketfs.Integration.Tests;

/// <summary>Every way a mount can be asked wrongly ends in one clear line and a non-zero exit, quickly, with nothing left mounted.</summary>
public sealed class MountErrorTests : IDisposable
{
    private readonly string _directory = Path.Combine("/tmp/bucketfs-it", Guid.NewGuid().ToString("N")[..12]);
    private readonly string _mountpoint;

    public MountErrorTests()
    {
        _mountpoint = Path.Combine(_directory, "mnt");
        Directory.CreateDirectory(_mountpoint);
    }

    public void Dispose()
    {
        Assert.DoesNotContain(File.ReadLines("/proc/mounts"), l => l.Split(' ')[1] == _mountpoint);
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>One line naming what is wrong, exit 1 for a mount that cannot happen and 2 for a wrong command line, no .NET internals.</summary>
    internal static void AssertOneLineError(Cli.Result result, string expected, int exitCode = 1)
    {
        Assert.True(result.ExitCode == exitCode, $"exit code {result.ExitCode}, expected {exitCode}: {result.Stderr}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got: {result.Stderr}");
        Assert.StartsWith("bucketfs: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("Exception", result.Stdout + result.Stderr);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), $"took {result.Elapsed}");
    }

    /// <summary>
    /// Mounts asked of a running store. "{bucket}" is a bucket that exists; credentials are the
    /// store's, another user's, a wrong secret, or none at all (no variables, an empty home).
    /// </summary>
    [Theory]
    // Names no store takes: escaped in the request path, they used to fail its signature and read as wrong credentials.
    [InlineData(2, "source 's3://a!b'", "store", "s3://a!b")]
    [InlineData(2, "source 's3://a%b'", "store", "s3://a%b")]
    [InlineData(2, "source 's3://a b'", "store", "s3://a b")]
    // No credentials anywhere: said so, not blamed on the network.
    [InlineData(1, "no credentials found for bucket", "none", "s3://{bucket}")]
    [InlineData(1, "does not exist at", "store", "s3://no-such-bucket-bucketfs")]
    [InlineData(1, "refused the credentials from environment", "wrong", "s3://{bucket}")]
    [InlineData(1, "denied for the credentials from environment", "other", "s3://{bucket}")]
    public async Task StoreErrorIsOneLine(int exitCode, string expected, string credentials, string source)
    {
        var store = TestStore.Get("ceph");
        source = source.Replace("{bucket}", await store.NewBucketAsync());
        string home = Path.Combine(_directory, "home");
        Directory.CreateDirectory(home);
        var result = Cli.Run(null, ["mount", source, _mountpoint, "--endpoint-url", store.Endpoint, "--force-path-style", "--log-file", Path.Combine(_directory, "bucketfs.log")], start =>
        {
            foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("AWS", StringComparison.Ordinal)).ToList())
                start.Environment.Remove(name);
            start.Environment["HOME"] = home;
            // Off EC2 the metadata service is not there; asking it would only add time.
            start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
            (string? key, string? secret) = credentials switch
            {
                "store" => (store.AccessKey, store.SecretKey),
                "other" => (store.OtherAccessKey, store.OtherSecretKey),
                "wrong" => (store.AccessKey, "not-the-secret"),
                _ => (null, null),
            };
            if (key is null) return;
            start.Environment["AWS_ACCESS_KEY_ID"] = key;
            start.Environment["AWS_SECRET_ACCESS_KEY"] = secret;
        });
        AssertOneLineError(result, expected, exitCode);
        Assert.DoesNotContain("cannot reach", result.Stderr);
    }

    private Cli.Result Mount(TestStore? store, string bucket, string? endpoint, params string[] extra) =>
        Cli.Run(store, ["mount", $"s3://{bucket}", _mountpoint, "--force-path-style", .. endpoint is null ? Array.Empty<string>() : ["--endpoint-url", endpoint], .. extra]);

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task WrongSecretIsRefused(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var result = Cli.Run(null, ["mount", $"s3://{bucket}", _mountpoint, "--endpoint-url", store.Endpoint, "--force-path-style"], start =>
        {
            start.Environment["AWS_ACCESS_KEY_ID"] = store.AccessKey;
            start.Environment["AWS_SECRET_ACCESS_KEY"] = "not-the-secret";
        });
        AssertOneLineError(result, "refused the credentials from environment");
        Assert.DoesNotContain("not-the-secret", result.Stderr);
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task UserWithoutRightsIsDenied(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var result = Cli.Run(null, ["mount", $"s3://{bucket}", _mountpoint, "--endpoint-url", store.Endpoint, "--force-path-style"], start =>
        {
            start.Environment["AWS_ACCESS_KEY_ID"] = store.OtherAccessKey;
            start.Environment["AWS_SECRET_ACCESS_KEY"] = store.OtherSecretKey;
        });
        AssertOneLineError(result, "denied");
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public void MissingBucketIsNamed(string storeName)
    {
        var store = TestStore.Get(storeName);
        AssertOneLineError(Mount(store, "no-such-bucket-" + Guid.NewGuid().ToString("N")[..8], store.Endpoint), "does not exist");
    }

    [Fact]
    public void UnreachableEndpointFailsWithoutHanging()
    {
        var store = TestStore.Get("ceph");
        AssertOneLineError(Mount(store, "any", "http://127.0.0.1:9"), "cannot reach http://127.0.0.1:9");
    }

    [Fact]
    public void MissingMountpointIsNamed()
    {
        var store = TestStore.Get("ceph");
        var result = Cli.Run(store, ["mount", "s3://any", _mountpoint + "-missing", "--endpoint-url", store.Endpoint]);
        AssertOneLineError(result, "does not exist");
    }

    [Fact]
    public async Task NonEmptyMountpointNeedsNonempty()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        File.WriteAllText(Path.Combine(_mountpoint, "already-here"), "");
        AssertOneLineError(Mount(store, bucket, store.Endpoint), "not empty");
        File.Delete(Path.Combine(_mountpoint, "already-here"));
    }

    [Fact]
    public void BadOptionIsAUsageError()
    {
        var result = Cli.Run(null, ["mount", "s3://any", _mountpoint, "-o", "no_such_option"]);
        AssertOneLineError(result, "unknown mount option 'no_such_option'", exitCode: 2);
    }

    [Fact]
    public void MountHelpShowsTheMountUsageAlone()
    {
        var result = Cli.Run(null, ["mount", "--help"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("bucketfs mount <source> <mountpoint> [options]", result.Stdout);
        Assert.DoesNotContain("<mountpoint> mount", result.Stdout);
    }

    [Fact]
    public async Task MissingDevFuseIsExplained()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        // A private mount namespace whose /dev lacks fuse: what a container without --device /dev/fuse sees.
        var result = Cli.Run(store, [], start =>
        {
            start.FileName = "unshare";
            start.ArgumentList.Clear();
            foreach (string arg in new[] { "--mount", "--propagation", "private", "sh", "-c",
                "mkdir -p /tmp/bucketfs-it/nodev && mount -t tmpfs none /dev && touch /dev/null && exec dotnet \"$0\" mount \"$1\" \"$2\" --endpoint-url \"$3\" --force-path-style",
                BucketMount.CliPath, $"s3://{bucket}", _mountpoint, store.Endpoint })
                start.ArgumentList.Add(arg);
        });
        AssertOneLineError(result, "/dev/fuse");
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task BackgroundMountReturnsOnceReadyAndUnmounts(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "hello.txt", "hello"u8.ToArray());

        var mounted = Mount(store, bucket, store.Endpoint, "--log-file", Path.Combine(_directory, "bucketfs.log"));

        Assert.True(mounted.ExitCode == 0, mounted.Stderr);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(_mountpoint, "hello.txt")));
        Assert.Contains(File.ReadLines("/proc/mounts"), l => l.Split(' ')[1] == _mountpoint && l.Contains("fuse.bucketfs"));
        Assert.Equal(0, Cli.Run(null, ["unmount", _mountpoint]).ExitCode);
    }
}
