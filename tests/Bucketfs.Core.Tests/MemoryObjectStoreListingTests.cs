using Bucketfs.ObjectStore;
using Bucketfs.Testing;

namespace Bucketfs.Core.Tests;

public sealed class MemoryObjectStoreListingTests
{
    private static MemoryObjectStore StoreWith(params string[] keys)
    {
        var store = new MemoryObjectStore();
        foreach (string key in keys) store.PutDirect(key, [1], new Dictionary<string, string> { ["mode"] = "33188" });
        return store;
    }

    private static async Task<List<ListPage>> AllPages(MemoryObjectStore store, string prefix, string? delimiter, int maxKeys)
    {
        var pages = new List<ListPage>();
        string? continuation = null;
        do
        {
            var page = await store.ListAsync(prefix, delimiter, continuation, maxKeys, CancellationToken.None);
            pages.Add(page);
            continuation = page.Continuation;
        } while (continuation != null);
        return pages;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1000)]
    public async Task PagedListingWithADelimiterGivesEveryKeyAndEachCommonPrefixOnce(int maxKeys)
    {
        var store = StoreWith("a", "b/1", "b/2", "b/3", "c", "d/x/y", "d/z", "e");

        var pages = await AllPages(store, "", "/", maxKeys);

        Assert.All(pages, p => Assert.InRange(p.Objects.Count + p.CommonPrefixes.Count, 0, maxKeys));
        Assert.Equal(["a", "c", "e"], pages.SelectMany(p => p.Objects).Select(o => o.Key));
        Assert.Equal(["b/", "d/"], pages.SelectMany(p => p.CommonPrefixes));
    }

    [Fact]
    public async Task KeysAndCommonPrefixesCountTogetherTowardMaxKeys()
    {
        var store = StoreWith("a", "b/1", "c");

        var first = await store.ListAsync("", "/", null, 2, CancellationToken.None);
        var second = await store.ListAsync("", "/", first.Continuation, 2, CancellationToken.None);

        Assert.Equal(["a"], first.Objects.Select(o => o.Key));
        Assert.Equal(["b/"], first.CommonPrefixes);
        Assert.NotNull(first.Continuation);
        Assert.Equal(["c"], second.Objects.Select(o => o.Key));
        Assert.Null(second.Continuation);
    }

    [Fact]
    public async Task PageThatTakesTheLastEntriesHasNoContinuation()
    {
        var store = StoreWith("a", "b");

        var page = await store.ListAsync("", null, null, 2, CancellationToken.None);

        Assert.Equal(2, page.Objects.Count);
        Assert.Null(page.Continuation);
    }

    [Fact]
    public async Task CommonPrefixesAreCutAtTheDelimiterAfterTheListedPrefix()
    {
        var store = StoreWith("d/a", "d/s/1", "d/s/t/2", "dx", "e/1");

        var page = await store.ListAsync("d/", "/", null, 1000, CancellationToken.None);

        Assert.Equal(["d/a"], page.Objects.Select(o => o.Key));
        Assert.Equal(["d/s/"], page.CommonPrefixes);
    }

    [Fact]
    public async Task ListingWithoutADelimiterGivesEveryKeyUnderThePrefix()
    {
        var store = StoreWith("d/a", "d/s/1", "dx");

        var pages = await AllPages(store, "d", null, 2);

        Assert.Equal(["d/a", "d/s/1", "dx"], pages.SelectMany(p => p.Objects).Select(o => o.Key));
    }

    [Fact]
    public async Task ContinuationResumesAfterItsLastKeyEvenWhenThatKeyIsDeleted()
    {
        var store = StoreWith("a", "b", "c");
        var first = await store.ListAsync("", null, null, 2, CancellationToken.None);

        store.DeleteDirect("b");
        var second = await store.ListAsync("", null, first.Continuation, 2, CancellationToken.None);

        Assert.Equal(["c"], second.Objects.Select(o => o.Key));
    }

    [Fact]
    public async Task ListedObjectsCarryNoMetadataButTheirSizeAndETag()
    {
        var store = StoreWith("a");

        var listed = Assert.Single((await store.ListAsync("", null, null, 10, CancellationToken.None)).Objects);

        Assert.Empty(listed.Metadata);
        Assert.Equal(1, listed.Size);
        Assert.Equal(store.Find("a")!.ETag, listed.ETag);
    }

    [Fact]
    public async Task ListingAfterANameThatNeedNotExistBeginsWithTheNextEntryAndGoesOnByContinuation()
    {
        var store = StoreWith("d/a", "d/b1", "d/b2/x", "d/c", "d/d");

        var first = await store.ListAfterAsync("d/", "/", "d/b", 2, CancellationToken.None);
        var rest = await store.ListAsync("d/", "/", first.Continuation, 10, CancellationToken.None);

        Assert.Equal(["d/b1"], first.Objects.Select(o => o.Key));
        Assert.Equal(["d/b2/"], first.CommonPrefixes);
        Assert.Equal(["d/c", "d/d"], rest.Objects.Select(o => o.Key));
        Assert.Null(rest.Continuation);
    }

    [Fact]
    public async Task ContinuationTheStoreDidNotGiveIsRejected()
    {
        var store = StoreWith("a");

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.ListAsync("", null, "not a token", 10, CancellationToken.None));

        Assert.Equal(StoreError.Rejected, e.Error);
    }
}
