using System.Text.Json;

namespace Bucketfs.Integration.Tests;

/// <summary>`bucketfs changes` against the real stores: the datapool loop, where a failed run sees the same new objects again.</summary>
public sealed class ChangesCommandTests
{
    private static string[] Endpoint(TestStore store) => ["--endpoint-url", store.Endpoint, "--force-path-style"];

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task APipelineRunThatFailsSeesTheSameNewObjectsAgain(string name)
    {
        var store = TestStore.Get(name);
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.Path);
        string state = Path.Combine(folder.Path, "state"), seen = Path.Combine(folder.Path, "seen");
        await store.PutAsync(bucket, "raw/a.mp4", [1]);
        await store.PutAsync(bucket, "raw/b.mp4", [2]);
        string[] Pipeline(int exit) => ["changes", $"s3://{bucket}/raw", "--state", state, .. Endpoint(store), "--", "sh", "-c", $"cat > {seen}; exit {exit}"];

        var failed = Cli.Run(store, Pipeline(exit: 3));
        string firstSeen = File.ReadAllText(seen);
        bool stateAfterFailure = File.Exists(state);
        await store.PutAsync(bucket, "raw/c.mp4", [3]);
        var succeeded = Cli.Run(store, Pipeline(exit: 0));
        string secondSeen = File.ReadAllText(seen);
        await store.PutAsync(bucket, "raw/d.mp4", [4]);
        await store.PutAsync(bucket, "raw/a.mp4", [5, 5]);
        var next = Cli.Run(store, Pipeline(exit: 0));

        Assert.Equal(3, failed.ExitCode);
        Assert.Equal("a.mp4\nb.mp4\n", firstSeen);
        Assert.False(stateAfterFailure);
        Assert.Equal(0, succeeded.ExitCode);
        Assert.Equal("a.mp4\nb.mp4\nc.mp4\n", secondSeen);
        Assert.Equal(0, next.ExitCode);
        Assert.Equal("a.mp4\nd.mp4\n", File.ReadAllText(seen));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task ChangesFeedCopyFilesFromAndShowDeletionsWhenAsked(string name)
    {
        var store = TestStore.Get(name);
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.Path);
        string state = Path.Combine(folder.Path, "state"), list = Path.Combine(folder.Path, "list"), local = Path.Combine(folder.Path, "new");
        await store.PutAsync(bucket, "old.csv", [1]);
        await store.PutAsync(bucket, "gone.csv", [2]);
        Assert.Equal(0, Cli.Run(store, ["changes", $"s3://{bucket}", "--state", state, "--commit", .. Endpoint(store)]).ExitCode);
        await store.PutAsync(bucket, "new one.csv", [3]);
        await store.Client.DeleteObjectAsync(bucket, "gone.csv");

        var keys = Cli.Run(store, ["changes", $"s3://{bucket}", "--state", state, .. Endpoint(store)]);
        File.WriteAllText(list, keys.Stdout);
        var copy = Cli.Run(store, ["copy", $"s3://{bucket}", local, "--files-from", list, .. Endpoint(store)]);
        var json = Cli.Run(store, ["changes", $"s3://{bucket}", "--state", state, "--format", "json", "--deleted", .. Endpoint(store)]);

        Assert.Equal("new one.csv\n", keys.Stdout);
        Assert.True(copy.ExitCode == 0, copy.Stdout + copy.Stderr);
        Assert.Equal(["new one.csv"], Directory.GetFiles(local).Select(Path.GetFileName));
        var changes = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal([("deleted", "gone.csv"), ("added", "new one.csv")], changes.Select(c => (c.GetProperty("change").GetString(), c.GetProperty("key").GetString())));
        Assert.Equal(1, changes[1].GetProperty("size").GetInt64());
    }
}
