using System.Diagnostics;
using System.Security.Cryptography;

namespace Bucketfs.Integration.Tests;

/// <summary>`bucketfs copy` and `sync` against the real stores: both directions, what a mount then shows, skips, interruptions and failures.</summary>
public sealed class CopyCommandTests
{
    private static readonly DateTime Mtime = new(2021, 3, 4, 5, 6, 7, 123, DateTimeKind.Utc);

    private static string[] Endpoint(TestStore store, string? endpoint = null) => ["--endpoint-url", endpoint ?? store.Endpoint, "--force-path-style"];

    /// <summary>A small tree: two .jpg files (one mode 600), a text file in a folder, and one file larger than a part (uploaded in parts).</summary>
    private static Dictionary<string, byte[]> MakeTree(string root, bool large)
    {
        var files = new Dictionary<string, byte[]>
        {
            ["a.jpg"] = RandomNumberGenerator.GetBytes(100_000),
            ["private.jpg"] = RandomNumberGenerator.GetBytes(3_000),
            ["sub/notes.txt"] = "hello"u8.ToArray(),
            ["sub/empty.bin"] = [],
        };
        if (large) files["sub/large.bin"] = RandomNumberGenerator.GetBytes(20 << 20);
        foreach (var (key, content) in files)
        {
            string path = Path.Combine(root, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
            File.SetLastWriteTimeUtc(path, Mtime);
        }
        File.SetUnixFileMode(Path.Combine(root, "private.jpg"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return files;
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task UploadedFilesShowTheirContentMtimeModeAndContentTypeThroughAMount(string name)
    {
        var store = TestStore.Get(name);
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        var files = MakeTree(Path.Combine(folder.Path, "src"), large: true);

        var result = Cli.Run(store, ["copy", Path.Combine(folder.Path, "src"), $"s3://{bucket}/data", "--transfers", "8", .. Endpoint(store)]);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains($"copied {files.Count} files", result.Stdout);
        foreach (var (key, content) in files) Assert.Equal(content, await store.GetAsync(bucket, "data/" + key));
        Assert.Equal("image/jpeg", await store.ContentTypeAsync(bucket, "data/a.jpg"));
        using var mount = BucketMount.Start(store, bucket);
        long seconds = new DateTimeOffset(Mtime).ToUnixTimeSeconds();
        var stat = Stat.Of(mount["data/private.jpg"]).Split(' ');
        Assert.Equal(("600", $"{seconds}"), (stat[0], stat[3]));
        Assert.StartsWith("644 ", Stat.Of(mount["data/sub/large.bin"]));
        Assert.Equal(Mtime, File.GetLastWriteTimeUtc(mount["data/sub/notes.txt"]));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task DownloadRestoresMtimeAndModeAndARerunCopiesNothing(string name)
    {
        var store = TestStore.Get(name);
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        var files = MakeTree(Path.Combine(folder.Path, "src"), large: true);
        Assert.Equal(0, Cli.Run(store, ["copy", Path.Combine(folder.Path, "src"), $"s3://{bucket}", .. Endpoint(store)]).ExitCode);
        string local = Path.Combine(folder.Path, "dst");

        var first = Cli.Run(store, ["copy", $"s3://{bucket}", local, "--multi-thread-streams", "4", .. Endpoint(store)]);
        var second = Cli.Run(store, ["copy", $"s3://{bucket}", local, .. Endpoint(store)]);

        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        foreach (var (key, content) in files)
        {
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(local, key)));
            Assert.Equal(Mtime, File.GetLastWriteTimeUtc(Path.Combine(local, key)));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(local, "private.jpg")));
        Assert.Equal(0, second.ExitCode);
        Assert.Contains($"copied 0 files (0 B), skipped {files.Count} already there", second.Stdout);
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task StoreToStoreCopyKeepsMetadataAndContentType(string name)
    {
        var store = TestStore.Get(name);
        string from = await store.NewBucketAsync(), to = await store.NewBucketAsync();
        await store.PutAsync(from, "x/model.bin", [1, 2, 3], new Dictionary<string, string> { ["mtime"] = "1600000000", ["mode"] = "33216", ["uid"] = "7" });

        var result = Cli.Run(store, ["copy", $"s3://{from}/x", $"s3://{to}/y", "--checksum", .. Endpoint(store)]);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal([1, 2, 3], await store.GetAsync(to, "y/model.bin"));
        var metadata = await store.MetadataAsync(to, "y/model.bin");
        Assert.Equal(("1600000000", "33216", "7"), (metadata["mtime"], metadata["mode"], metadata["uid"]));
        Assert.Contains("skipped 1 already there", Cli.Run(store, ["copy", $"s3://{from}/x", $"s3://{to}/y", "--checksum", .. Endpoint(store)]).Stdout);
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task AnInterruptedCopyFinishesWhenRunAgain(string name)
    {
        var store = TestStore.Get(name);
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        string source = Path.Combine(folder.Path, "src");
        Directory.CreateDirectory(source);
        for (int i = 0; i < 40; i++) File.WriteAllBytes(Path.Combine(source, $"f{i:D2}"), RandomNumberGenerator.GetBytes(1000 + i));
        using var proxy = new HttpFaultProxy(store.Endpoint);
        // The upload of f20 never gets an answer: the copy is killed while it waits.
        proxy.Add(new FaultRule(Fault.StallBeforeAnswer) { Method = "PUT", PathContains = "/f20" });
        var start = Cli.StartInfo(store, ["copy", source, $"s3://{bucket}", "--transfers", "1", .. Endpoint(store, proxy.Endpoint)]);
        using (var copy = Process.Start(start)!)
        {
            Assert.True(Eventually.Holds(() => proxy.Requests.Any(r => r.StartsWith("PUT") && r.Contains("/f20")), TimeSpan.FromSeconds(60)));
            copy.Kill(entireProcessTree: true);
            copy.WaitForExit();
        }
        proxy.Clear();
        Assert.DoesNotContain("f20", await store.KeysAsync(bucket));

        var again = Cli.Run(store, ["copy", source, $"s3://{bucket}", .. Endpoint(store)]);

        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Matches(@"copied \d+ files .*skipped [1-9]\d* already there", again.Stdout);
        Assert.Equal(40, (await store.KeysAsync(bucket)).Count);
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, "f20")), await store.GetAsync(bucket, "f20"));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task AFailedTransferIsReportedWithItsReasonAndANonZeroExit(string name)
    {
        var store = TestStore.Get(name);
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        MakeTree(folder.Path, large: false);
        using var proxy = new HttpFaultProxy(store.Endpoint);
        proxy.Add(new FaultRule(Fault.ServerError) { Method = "PUT", PathContains = "/a.jpg" });

        var result = Cli.Run(store, ["copy", folder.Path, $"s3://{bucket}", .. Endpoint(store, proxy.Endpoint)]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("copied 3 files", result.Stdout);
        Assert.Contains("failed 1", result.Stdout);
        Assert.Contains("failed: a.jpg: ", result.Stdout);
        Assert.DoesNotContain("a.jpg", await store.KeysAsync(bucket));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task SyncDeletesWhatTheSourceLacksButNotWhatIsExcluded(string name)
    {
        var store = TestStore.Get(name);
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        MakeTree(folder.Path, large: false);
        await store.PutAsync(bucket, "stale.txt", [1]);
        await store.PutAsync(bucket, "keep.log", [2]);
        File.WriteAllBytes(Path.Combine(folder.Path, "scratch.log"), [3]);

        var dryRun = Cli.Run(store, ["sync", folder.Path, $"s3://{bucket}", "--exclude", "*.log", "--dry-run", .. Endpoint(store)]);
        Assert.Equal(["keep.log", "stale.txt"], await store.KeysAsync(bucket));
        var result = Cli.Run(store, ["sync", folder.Path, $"s3://{bucket}", "--exclude", "*.log", .. Endpoint(store)]);

        Assert.Contains("would delete 1", dryRun.Stdout);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal(["a.jpg", "keep.log", "private.jpg", "sub/empty.bin", "sub/notes.txt"], await store.KeysAsync(bucket));
    }

    [Fact]
    public void AMissingSourceFolderIsOneLineAndAFailure()
    {
        var result = Cli.Run(null, ["copy", "/nonexistent-bucketfs-source", "s3://bucket", "--endpoint-url", "http://127.0.0.1:1"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("bucketfs: source /nonexistent-bucketfs-source is not a folder", result.Stderr.Trim());
    }
}
