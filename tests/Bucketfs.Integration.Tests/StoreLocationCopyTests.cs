using System.Diagnostics;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// copy, sync and changes take every store location mount takes: swift:// signed in with Keystone
/// from an openrc file's variables, and rclone remotes from an rclone config file.
/// </summary>
public sealed class StoreLocationCopyTests
{
    private static readonly DateTime Mtime = new(2022, 5, 6, 7, 8, 9, DateTimeKind.Utc);
    private readonly KeystoneSwift _keystone = KeystoneSwift.Instance;

    private Action<ProcessStartInfo> Openrc => start =>
    {
        foreach (var (name, value) in _keystone.Openrc()) start.Environment[name] = value;
    };

    [Fact]
    public async Task CopyToNativeSwiftWithKeystoneAndBackKeepsBytesAndTimes()
    {
        string container = await _keystone.NewContainerAsync();
        using var folder = new TempFolder();
        string source = Path.Combine(folder.Path, "src"), back = Path.Combine(folder.Path, "back");
        var large = new byte[(17 << 20) + 3];
        new Random(5).NextBytes(large);
        var files = new Dictionary<string, byte[]> { ["a.txt"] = "alpha"u8.ToArray(), ["sub/large.bin"] = large };
        foreach (var (key, content) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(source, key))!);
            File.WriteAllBytes(Path.Combine(source, key), content);
            File.SetLastWriteTimeUtc(Path.Combine(source, key), Mtime);
        }

        var up = Cli.Run(null, ["copy", source, $"swift://{container}/data"], Openrc);
        var down = Cli.Run(null, ["copy", $"swift://{container}/data", back], Openrc);
        var again = Cli.Run(null, ["copy", source, $"swift://{container}/data"], Openrc);

        Assert.True(up.ExitCode == 0, up.Stdout + up.Stderr);
        Assert.Equal("alpha"u8.ToArray(), await _keystone.GetAsync(container, "data/a.txt"));
        Assert.True(down.ExitCode == 0, down.Stdout + down.Stderr);
        foreach (var (key, content) in files)
        {
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(back, key)));
            Assert.Equal(Mtime, File.GetLastWriteTimeUtc(Path.Combine(back, key)));
        }
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Contains("copied 0 files", again.Stdout);
    }

    [Fact]
    public async Task SyncFromAnRcloneRemoteToS3MakesTheDestinationEqual()
    {
        var store = TestStore.Get("ceph");
        string from = await store.NewBucketAsync(), to = await store.NewBucketAsync();
        await store.PutAsync(from, "p/x.csv", "x"u8.ToArray());
        await store.PutAsync(from, "p/deep/y.csv", "yy"u8.ToArray());
        await store.PutAsync(to, "q/stale.csv", "old"u8.ToArray());
        using var config = RcloneConfigFile.S3Remote("ceph", store);

        var sync = Cli.Run(store, ["sync", $"ceph:{from}/p", $"s3://{to}/q", "--rclone-config", config.Path, "--endpoint-url", store.Endpoint, "--force-path-style"]);

        Assert.True(sync.ExitCode == 0, sync.Stdout + sync.Stderr);
        Assert.Contains("copied 2 files", sync.Stdout);
        Assert.Contains("deleted 1", sync.Stdout);
        Assert.Equal("yy"u8.ToArray(), await store.GetAsync(to, "q/deep/y.csv"));
        Assert.Equal(["q/deep/y.csv", "q/x.csv"], await store.KeysAsync(to));
    }

    [Fact]
    public async Task ChangesListsNewObjectsOfANativeSwiftContainer()
    {
        string container = await _keystone.NewContainerAsync();
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.Path);
        string state = Path.Combine(folder.Path, "state");
        await _keystone.PutAsync(container, "in/a.json", [1]);

        var first = Cli.Run(null, ["changes", $"swift://{container}/in", "--state", state, "--commit"], Openrc);
        await _keystone.PutAsync(container, "in/b.json", [2]);
        var second = Cli.Run(null, ["changes", $"swift://{container}/in", "--state", state], Openrc);

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal("a.json\n", first.Stdout);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal("b.json\n", second.Stdout);
    }

    [Fact]
    public async Task CopyTakesTheMountsCaBundleAndWritePolicy()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        string source = Directory.CreateDirectory(Path.Combine(folder.Path, "src")).FullName;
        File.WriteAllText(Path.Combine(source, "shared.txt"), "for everyone");
        using var tls = new TlsForwarder(store.Endpoint, folder.Path);
        string[] https = ["--endpoint-url", tls.Endpoint, "--force-path-style"];

        var refused = Cli.Run(store, ["copy", source, $"s3://{bucket}", .. https, "--retries", "0"]);
        var copied = Cli.Run(store, ["copy", source, $"s3://{bucket}", .. https, "--ca-bundle", tls.CaBundle, "--acl", "public-read", "--storage-class", "STANDARD", "--connect-timeout", "5"]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Single(refused.Stderr.Trim().Split('\n'));
        Assert.True(copied.ExitCode == 0, copied.Stdout + copied.Stderr);
        var acl = await store.Client.GetObjectAclAsync(new Amazon.S3.Model.GetObjectAclRequest { BucketName = bucket, Key = "shared.txt" });
        Assert.Contains(acl.Grants, g => g.Grantee.URI?.EndsWith("/AllUsers", StringComparison.Ordinal) == true && g.Permission.Value == "READ");
    }
}
