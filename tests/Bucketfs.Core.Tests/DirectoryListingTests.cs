using Bucketfs.Core.Namespace;
using Bucketfs.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.Core.Tests;

public sealed class DirectoryListingTests
{
    private static async Task<List<string>> ListAll(MemoryObjectStore store, string prefix, int pageSize, params string[] unlisted)
    {
        var pending = unlisted.Select(name => (name, new Metadata.EntryAttributes(Metadata.EntryKind.File, 0, "", DateTimeOffset.UnixEpoch))).ToList();
        var listing = new DirectoryListing(store, prefix, pageSize, pending, NullLogger.Instance);
        var names = new List<string>();
        while (await listing.PeekAsync(CancellationToken.None) is { } entry)
        {
            names.Add(entry.Attributes.Kind == Metadata.EntryKind.Directory ? entry.Name + "/" : entry.Name);
            listing.Advance();
        }
        return names;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1000)]
    public async Task FileHiddenByASameNamedDirectoryEvenAcrossPages(int pageSize)
    {
        var store = new MemoryObjectStore();
        foreach (string key in new[] { "d/a", "d/a-1", "d/a.txt", "d/a/inner", "d/b" }) store.PutDirect(key, [1]);

        var names = await ListAll(store, "d/", pageSize);

        Assert.Equal(new[] { "a-1", "a.txt", "a/", "b" }.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MarkersLegacyFoldersAndInvalidNamesAreHandled()
    {
        var store = new MemoryObjectStore();
        foreach (string key in new[] { "d/", "d/old_$folder$", "d/old/x", "d/empty_$folder$", "d//x", "d/" + new string('y', 256), "d/ok" })
            store.PutDirect(key, []);

        var names = await ListAll(store, "d/", 2);

        Assert.Equal(new[] { "empty/", "ok", "old/" }, names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ManyFilesSharingAPrefixWithAFileAreAllListed()
    {
        var store = new MemoryObjectStore();
        store.PutDirect("data", [1]);
        for (int i = 0; i < 50; i++) store.PutDirect($"data.{i:D3}", [1]);

        var names = await ListAll(store, "", 7);

        Assert.Equal(51, names.Count);
        Assert.Contains("data", names);
    }

    [Fact]
    public async Task FilesNotUploadedYetAreListedOnceAfterTheBucketsEntries()
    {
        var store = new MemoryObjectStore();
        foreach (string key in new[] { "d/a", "d/c" }) store.PutDirect(key, [1]);

        var names = await ListAll(store, "d/", 1, "b", "c");

        Assert.Equal(new[] { "a", "c", "b" }, names);
    }
}
