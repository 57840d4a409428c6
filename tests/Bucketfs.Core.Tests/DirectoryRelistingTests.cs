using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.Core.Tests;

public sealed class DirectoryRelistingTests
{
    private const int PageSize = 1000;
    private readonly InMemoryObjectStore _store = new();
    private readonly MetadataCache _cache = new(TimeSpan.FromSeconds(60), 100_000);
    private readonly Inode _directory = new(2, 1, "set", "set", EntryKind.Directory);

    public DirectoryRelistingTests()
    {
        for (int i = 0; i < 30; i++) _store.Put($"set/{i:D3}", new byte[i]);
    }

    private DirectoryRelisting Relisting() => new(_store, _cache, PageSize, (_, _, listed) => listed, NullLogger.Instance);

    [Fact]
    public async Task DirectoryIsListedAgainOnceItsExpiredLookupsWouldHavePaidForAPage()
    {
        _cache.MarkComplete("set/", 30);
        var relisting = Relisting();

        for (int i = 0; i < 11; i++) Assert.Null(relisting.For(_directory));
        await relisting.For(_directory)!;

        Assert.Equal(1, _store.Lists);
        Assert.True(_cache.TryGet("set/029", out var found));
        Assert.Equal(29, found!.Size);
        Assert.True(_cache.IsComplete("set/"));
        // The count starts again after a listing.
        Assert.Null(relisting.For(_directory));
    }

    [Fact]
    public async Task LookupsArrivingDuringTheListingShareIt()
    {
        _cache.MarkComplete("set/", 30);
        var relisting = Relisting();
        var release = new TaskCompletionSource();
        _store.Hold = release.Task;

        for (int i = 0; i < 11; i++) Assert.Null(relisting.For(_directory));
        var listings = Enumerable.Range(0, 5).Select(_ => relisting.For(_directory)).ToArray();
        release.SetResult();
        await Task.WhenAll(listings!);

        Assert.All(listings, l => Assert.Same(listings[0], l));
        Assert.Equal(1, _store.Lists);
    }

    [Fact]
    public void LargerDirectoryNeedsMoreLookupsBeforeItIsListedAgain()
    {
        _cache.MarkComplete("set/", 2500);
        var relisting = Relisting();

        for (int i = 0; i < 3 * 12 - 1; i++) Assert.Null(relisting.For(_directory));
        Assert.NotNull(relisting.For(_directory));
    }

    [Fact]
    public void DirectoryNeverListedWholeIsNeverListedAgain()
    {
        var relisting = Relisting();

        for (int i = 0; i < 100; i++) Assert.Null(relisting.For(_directory));
        Assert.Equal(0, _store.Lists);
    }
}
