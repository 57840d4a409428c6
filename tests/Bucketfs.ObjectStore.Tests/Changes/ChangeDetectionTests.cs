using Bucketfs.ObjectStore.Changes;

namespace Bucketfs.ObjectStore.Tests.Changes;

/// <summary>What is new since a snapshot, and when the snapshot moves on.</summary>
public sealed class ChangeDetectionTests : IDisposable
{
    private const string Location = "s3://b/";
    private readonly string _folder = Directory.CreateTempSubdirectory("bucketfs-changes").FullName;
    private string State => Path.Combine(_folder, "state");

    private static ObjectInfo Item(string key, long size = 1, string etag = "\"0123456789abcdef0123456789abcdef\"", long seconds = 1000) =>
        new(key, size, etag, DateTimeOffset.FromUnixTimeSeconds(seconds));

    private async Task<List<(ChangeKind, string)>> RunAsync(IEnumerable<ObjectInfo> listing, bool commit, bool deletions = true)
    {
        using var previous = new SnapshotReader(State, Location);
        using var next = new SnapshotWriter(State, Location);
        var changes = new List<(ChangeKind, string)>();
        await foreach (var change in ChangeDetection.CompareAsync(previous, listing.ToAsyncEnumerable(), next, deletions, CancellationToken.None))
            changes.Add((change.Kind, change.Object.Key));
        if (commit) next.Commit();
        return changes;
    }

    [Fact]
    public async Task AddedChangedAndDeletedObjectsAreFoundAgainstTheCommittedSnapshot()
    {
        await RunAsync([Item("a"), Item("b"), Item("c", etag: "plain-text-etag"), Item("d")], commit: true);

        var changes = await RunAsync([Item("a"), Item("b", size: 2), Item("bb"), Item("c", etag: "plain-text-etag", seconds: 2000), Item("e")], commit: false);

        Assert.Equal([(ChangeKind.Changed, "b"), (ChangeKind.Added, "bb"), (ChangeKind.Changed, "c"), (ChangeKind.Deleted, "d"), (ChangeKind.Added, "e")], changes);
    }

    [Fact]
    public async Task AnUncommittedRunLeavesTheSnapshotAsItWas()
    {
        await RunAsync([Item("a")], commit: true);
        await RunAsync([Item("a"), Item("b")], commit: false);

        Assert.Equal([(ChangeKind.Added, "b")], await RunAsync([Item("a"), Item("b")], commit: false));
        Assert.Equal([State], Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task AnUnsortedListingIsAnError() =>
        await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync([Item("b"), Item("a")], commit: false));

    [Fact]
    public async Task TheStateOfAnotherLocationIsRefused()
    {
        await RunAsync([Item("a")], commit: true);
        Assert.Throws<InvalidDataException>(() => new SnapshotReader(State, "s3://other/"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
