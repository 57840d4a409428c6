using Bucketfs.Core.Tests.Model;
using Bucketfs.Fuse;
using Bucketfs.Testing;

namespace Bucketfs.Core.Tests;

/// <summary>Lookups of names a large directory's listing showed, once those names have expired (see ListingWindows, DirectoryRelisting).</summary>
public sealed class LargeDirectoryLookupTests
{
    private const int Files = 2500;

    [Fact]
    public async Task WalkInNameOrderAfterTheNamesExpiredCostsAListingPagePerThousandNamesAndAnswersRight()
    {
        using var mount = new MountDriver();
        for (int i = 0; i < Files; i++) mount.Store.PutDirect($"big/{i:D5}", [1]);
        mount.Store.PutDirect("big/01000a/inner", [2]);
        ulong directory = await mount.ResolveAsync("big");
        var names = await mount.ListAsync(directory);
        // Another client deletes a name after the listing; the walk comes after every name expired, as du's does.
        mount.Store.DeleteDirect("big/02000");
        mount.LetExpire();
        int lists = mount.Store.Calls(StoreOperation.List), heads = mount.Store.Calls(StoreOperation.Head);

        foreach (string name in names)
        {
            var entry = await mount.LookupAsync(directory, name);
            if (name == "02000") Assert.Null(entry);
            else if (name == "01000a") Assert.Equal(ModelKind.Directory, MountDriver.KindOf(entry!.Value));
            else Assert.Equal(1ul, entry!.Value.Attr.Size);
        }

        Assert.InRange(mount.Store.Calls(StoreOperation.List) - lists, 1, 4);
        Assert.InRange(mount.Store.Calls(StoreOperation.Head) - heads, 0, 10);
    }

    [Fact]
    public async Task PlainReaddirInodeNumbersGrowInListingOrderSoDuStatsInNameOrder()
    {
        using var mount = new MountDriver();
        for (int i = 0; i < 50; i++) mount.Store.PutDirect($"set/{i:D3}", [1]);
        ulong directory = await mount.ResolveAsync("set");
        var numbers = new List<ulong>();
        ulong handle = mount.Fs.OpenDirectory(directory);
        await mount.Fs.ReadDirectoryAsync(handle, 0, plus: false, (string name, in NodeEntry entry, ulong _) =>
        {
            if (name is not "." and not "..") numbers.Add(entry.Attr.Ino);
            return true;
        }, CancellationToken.None);
        mount.Fs.ReleaseDirectory(handle);

        Assert.Equal(50, numbers.Count);
        Assert.Equal(numbers.Order(), numbers);
        Assert.DoesNotContain(0ul, numbers);
    }

    [Fact]
    public async Task LookupsInRandomOrderAreNotAnsweredByListingPages()
    {
        using var mount = new MountDriver();
        for (int i = 0; i < Files; i++) mount.Store.PutDirect($"big/{i:D5}", [1]);
        ulong directory = await mount.ResolveAsync("big");
        await mount.ListAsync(directory);
        mount.LetExpire();
        int lists = mount.Store.Calls(StoreOperation.List);

        // Down, then up, then down: never four in ascending order in a row.
        foreach (int i in new[] { 900, 800, 850, 700, 750, 600, 650, 500 })
            Assert.NotNull(await mount.LookupAsync(directory, $"{i:D5}"));

        Assert.Equal(lists, mount.Store.Calls(StoreOperation.List));
    }
}
