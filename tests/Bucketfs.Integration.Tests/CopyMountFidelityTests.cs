using System.Diagnostics;

namespace Bucketfs.Integration.Tests;

/// <summary>What a mount shows is what copy wrote, and what a mount wrote copy brings back: modes, owners, times, empty folders and links.</summary>
public sealed class CopyMountFidelityTests
{
    private static readonly DateTime Mtime = new(2019, 8, 7, 6, 5, 4, DateTimeKind.Utc);

    private static string[] Endpoint(TestStore store) => ["--endpoint-url", store.Endpoint, "--force-path-style"];

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task ATreeCopiedUpShowsInAMountAsItWasAndComesBackWithWhatTheMountAdded(string name)
    {
        var store = TestStore.Get(name);
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        string source = Path.Combine(folder.Path, "src"), back = Path.Combine(folder.Path, "back");
        string secret = Path.Combine(source, "docs", "secret.txt"), empty = Path.Combine(source, "empty");
        Directory.CreateDirectory(Path.Combine(source, "docs"));
        Directory.CreateDirectory(empty);
        File.WriteAllText(secret, "s3cret");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Chown("1234:5678", secret);
        File.SetLastWriteTimeUtc(secret, Mtime);
        File.CreateSymbolicLink(Path.Combine(source, "docs", "latest"), "secret.txt");
        Directory.SetLastWriteTimeUtc(empty, Mtime);
        long seconds = new DateTimeOffset(Mtime).ToUnixTimeSeconds();

        var up = Cli.Run(store, ["copy", source, $"s3://{bucket}/tree", "--progress", .. Endpoint(store)]);

        Assert.True(up.ExitCode == 0, up.Stdout + up.Stderr);
        Assert.Contains("copied 3 files", up.Stdout);
        using (var mount = BucketMount.Start(store, bucket))
        {
            Assert.Equal($"600 1234 5678 {seconds}", Stat.Of(mount["tree/docs/secret.txt"]));
            Assert.Equal("secret.txt", new FileInfo(mount["tree/docs/latest"]).LinkTarget);
            Assert.Equal("s3cret", File.ReadAllText(mount["tree/docs/latest"]));
            Assert.Empty(Directory.EnumerateFileSystemEntries(mount["tree/empty"]));
            Assert.Equal($"755 0 0 {seconds}", Stat.Of(mount["tree/empty"]));
            Directory.CreateDirectory(mount["tree/made"]);
            File.CreateSymbolicLink(mount["tree/made-link"], "docs/secret.txt");
        }

        var down = Cli.Run(store, ["copy", $"s3://{bucket}/tree", back, .. Endpoint(store)]);

        Assert.True(down.ExitCode == 0, down.Stdout + down.Stderr);
        Assert.Equal($"600 1234 5678 {seconds}", Stat.Of(Path.Combine(back, "docs", "secret.txt")));
        Assert.Equal("secret.txt", new FileInfo(Path.Combine(back, "docs", "latest")).LinkTarget);
        Assert.Equal($"755 0 0 {seconds}", Stat.Of(Path.Combine(back, "empty")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(back, "made")));
        Assert.Equal("docs/secret.txt", new FileInfo(Path.Combine(back, "made-link")).LinkTarget);
        Assert.Contains("copied 0 files", Cli.Run(store, ["copy", source, $"s3://{bucket}/tree", .. Endpoint(store)]).Stdout);
    }

    private static void Chown(string owner, string path)
    {
        using var process = Process.Start("chown", [owner, path]);
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)) && process.ExitCode == 0, $"chown {owner} {path}");
    }
}
