using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.Core.Tests;

public sealed class DirectoryRelistingTests
{
    private const int PageSize = 1000;
    private readonly MemoryObjectStore _store = new();
    private readonly MetadataCache _cache = new(TimeSpan.FromSeconds(60), 100_000);
    private readonly Inode _directory = new(2, 1, "set", "set", EntryKind.Directory);

    public DirectoryRelistingTests()
    {
        for (int i = 0; i < 30; i++) _store.PutDirect($"set/{i:D3}", new byte[i]);
    }

    private DirectoryRelisting Relisting() => new(_store, _cache, PageSize, TimeSpan.FromSeconds(60), (_, _, listed) => listed, NullLogger.Instance);

    [Fact]
    public async Task DirectoryIsListedAgainOnceItsExpiredLookupsWouldHavePaidForAPage()
    {
        _cache.MarkComplete("set/", 30);
        var relisting = Relisting();

        for (int i = 0; i < 11; i++) Assert.Null(relisting.ForExpired(_directory));
        await relisting.ForExpired(_directory)!;

        Assert.Equal(1, _store.Calls(StoreOperation.List));
        Assert.True(_cache.TryGet("set/029", out var found));
        Assert.Equal(29, found!.Size);
        Assert.True(_cache.IsComplete("set/"));
        // The count starts again after a listing.
        Assert.Null(relisting.ForExpired(_directory));
    }

    [Fact]
    public async Task LookupsArrivingDuringTheListingShareIt()
    {
        _cache.MarkComplete("set/", 30);
        var relisting = Relisting();
        var gate = _store.Hold(StoreOperation.List | StoreOperation.Head);

        for (int i = 0; i < 11; i++) Assert.Null(relisting.ForExpired(_directory));
        var listings = Enumerable.Range(0, 5).Select(_ => relisting.ForExpired(_directory)).ToArray();
        gate.Release();
        await Task.WhenAll(listings!);

        Assert.All(listings, l => Assert.Same(listings[0], l));
        Assert.Equal(1, _store.Calls(StoreOperation.List));
    }

    [Fact]
    public void LargerDirectoryNeedsMoreLookupsBeforeItIsListedAgain()
    {
        _cache.MarkComplete("set/", 2500);
        var relisting = Relisting();

        for (int i = 0; i < 3 * 12 - 1; i++) Assert.Null(relisting.ForExpired(_directory));
        Assert.NotNull(relisting.ForExpired(_directory));
    }

    [Fact]
    public async Task DirectoryInUseIsListedAgainShortlyBeforeItsNamesExpire()
    {
        var ttl = TimeSpan.FromMilliseconds(400);
        var cache = new MetadataCache(ttl, 100_000);
        var relisting = new DirectoryRelisting(_store, cache, PageSize, ttl, (_, _, listed) => listed, NullLogger.Instance);
        cache.MarkComplete("set/", 30);

        // Enough uses to pay for a listing, but the names are fresh for a while yet.
        for (int i = 0; i < 20; i++) relisting.Used(_directory);
        Assert.Equal(0, _store.Calls(StoreOperation.List));

        Thread.Sleep(250);
        relisting.Used(_directory);
        for (int i = 0; i < 100 && !cache.TryGet("set/000", out _); i++) await Task.Delay(10);
        Assert.Equal(1, _store.Calls(StoreOperation.List));
        Assert.True(cache.TryGetListing("set/", out _, out long expiresAt) && expiresAt > Environment.TickCount64 + 200);
    }

    [Fact]
    public void DirectoryNeverListedWholeIsNeverListedAgain()
    {
        var relisting = Relisting();

        for (int i = 0; i < 100; i++) Assert.Null(relisting.ForExpired(_directory));
        Assert.Equal(0, _store.Calls(StoreOperation.List));
    }
}
