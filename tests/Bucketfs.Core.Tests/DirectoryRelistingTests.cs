using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bucketfs.Core.Tests;

public sealed class DirectoryRelistingTests
{
    private const int PageSize = 1000;
    private readonly MemoryObjectStore _store = new();
    private readonly FakeTimeProvider _time = new();
    private readonly MetadataCache _cache;
    private readonly Inode _directory = new(2, 1, "set", "set", EntryKind.Directory);

    public DirectoryRelistingTests()
    {
        _cache = new(TimeSpan.FromSeconds(60), 100_000, _time);
        for (int i = 0; i < 30; i++) _store.PutDirect($"set/{i:D3}", new byte[i]);
    }

    private DirectoryRelisting Relisting() => new(_store, _cache, PageSize, TimeSpan.FromSeconds(60), new RelistingTuning(), (_, _, listed) => listed, NullLogger.Instance);

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
        var ttl = TimeSpan.FromSeconds(60);
        _cache.MarkComplete("set/", 30);
        var relisting = Relisting();

        // Enough uses to pay for a listing, but the names are fresh for a while yet.
        for (int i = 0; i < 20; i++) relisting.Used(_directory);
        Assert.Equal(0, _store.Calls(StoreOperation.List));

        // In the last half of the TTL, a use lists the directory again in the background.
        _time.Advance(ttl * 0.6);
        var gate = _store.Hold(StoreOperation.List);
        relisting.Used(_directory);
        var listing = relisting.ForExpired(_directory);
        Assert.NotNull(listing);
        gate.Release();
        await listing;

        Assert.Equal(1, _store.Calls(StoreOperation.List));
        Assert.True(_cache.TryGetListing("set/", out _, out var freshFor));
        Assert.Equal(ttl, freshFor);
    }

    [Fact]
    public void DirectoryNeverListedWholeIsNeverListedAgain()
    {
        var relisting = Relisting();

        for (int i = 0; i < 100; i++) Assert.Null(relisting.ForExpired(_directory));
        Assert.Equal(0, _store.Calls(StoreOperation.List));
    }
}
