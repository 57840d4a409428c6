using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bucketfs.Core.Tests;

public sealed class NameResolverTests
{
    private readonly MemoryObjectStore _store = new();
    private readonly FakeTimeProvider _time = new();

    public NameResolverTests()
    {
        _store.PutDirect("ml/class-0/img-0.bin", new byte[10]);
        _store.PutDirect("ml/class-1/img-1.bin", new byte[10]);
    }

    [Fact]
    public async Task LookupsOfOneNameArrivingTogetherShareOneResolution()
    {
        var resolver = Resolver(TimeSpan.FromSeconds(60));
        var gate = _store.Hold(StoreOperation.List | StoreOperation.Head);

        var lookups = Enumerable.Range(0, 8).Select(_ => resolver.ResolveAsync("ml", CancellationToken.None)).ToArray();
        gate.Release();
        var found = await Task.WhenAll(lookups);

        Assert.All(found, f => Assert.Equal(EntryKind.Directory, f?.Kind));
        Assert.Equal(1, _store.Calls(StoreOperation.Head));
        Assert.Equal(1, _store.Calls(StoreOperation.List));
    }

    [Fact]
    public async Task LookupThatGivesUpLeavesTheOthersTheirAnswer()
    {
        var resolver = Resolver(TimeSpan.FromSeconds(60));
        var gate = _store.Hold(StoreOperation.List | StoreOperation.Head);
        using var interrupted = new CancellationTokenSource();

        var abandoned = resolver.ResolveAsync("ml/class-0/img-0.bin", interrupted.Token);
        var patient = resolver.ResolveAsync("ml/class-0/img-0.bin", CancellationToken.None);
        await interrupted.CancelAsync();
        gate.Release();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.Equal(10, (await patient)?.Size);
    }

    [Fact]
    public async Task FolderSeenBeforeIsConfirmedByItsListingAlone()
    {
        var resolver = Resolver(TimeSpan.FromMilliseconds(1));
        await resolver.ResolveAsync("ml", CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(2)); // past the TTL
        int heads = _store.Calls(StoreOperation.Head), lists = _store.Calls(StoreOperation.List);

        var again = await resolver.ResolveAsync("ml", CancellationToken.None);

        Assert.Equal(EntryKind.Directory, again?.Kind);
        Assert.Equal(heads, _store.Calls(StoreOperation.Head));
        Assert.Equal(lists + 1, _store.Calls(StoreOperation.List));
    }

    [Fact]
    public async Task FolderEmptiedAndReplacedByAFileIsSeenAsTheFile()
    {
        var resolver = Resolver(TimeSpan.FromMilliseconds(1));
        _store.PutDirect("gone/x", new byte[1]);
        await resolver.ResolveAsync("gone", CancellationToken.None);
        _store.DeleteDirect("gone/x");
        _store.PutDirect("gone", new byte[3]);
        _time.Advance(TimeSpan.FromMilliseconds(2)); // past the TTL

        var again = await resolver.ResolveAsync("gone", CancellationToken.None);

        Assert.Equal(EntryKind.File, again?.Kind);
        Assert.Equal(3, again?.Size);
    }

    [Fact]
    public async Task NamesNeverSeenInAFolderOfFilesCostOneHeadEach()
    {
        var resolver = Resolver(TimeSpan.FromSeconds(60));
        for (int i = 0; i < 20; i++) _store.PutDirect($"data/f-{i:D2}", new byte[i]);

        for (int i = 0; i < 20; i++) Assert.Equal(i, (await resolver.ResolveAsync($"data/f-{i:D2}", CancellationToken.None))?.Size);

        Assert.Equal(20, _store.Calls(StoreOperation.Head));
        // The first few names go out with the listing beside them, until the folder shows what it holds.
        Assert.Equal(4, _store.Calls(StoreOperation.List));
    }

    [Fact]
    public async Task InAFolderOfFilesADirectoryAndAMissingNameAreStillFound()
    {
        var resolver = Resolver(TimeSpan.FromSeconds(60));
        for (int i = 0; i < 4; i++) _store.PutDirect($"data/f-{i}", new byte[1]);
        _store.PutDirect("data/sub/x", new byte[1]);
        for (int i = 0; i < 4; i++) await resolver.ResolveAsync($"data/f-{i}", CancellationToken.None);
        int heads = _store.Calls(StoreOperation.Head);

        Assert.Equal(EntryKind.Directory, (await resolver.ResolveAsync("data/sub", CancellationToken.None))?.Kind);
        Assert.Null(await resolver.ResolveAsync("data/none", CancellationToken.None));
        // One HEAD each for the guess, none again beside the listing that followed it; the directory ended the guessing.
        Assert.Equal(heads + 1 + 2, _store.Calls(StoreOperation.Head));
    }

    private NameResolver Resolver(TimeSpan ttl) => new(_store, new MetadataCache(ttl, 1000, _time), NullLogger.Instance);
}
