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

    private NameResolver Resolver(TimeSpan ttl) => new(_store, new MetadataCache(ttl, 1000, _time), NullLogger.Instance);
}
