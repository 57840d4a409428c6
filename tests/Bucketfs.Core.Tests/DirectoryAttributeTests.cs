using Bucketfs.Core.Metadata;
using Bucketfs.Core.Tests.Model;
using Bucketfs.Testing;

namespace Bucketfs.Core.Tests;

/// <summary>A directory's link count and times, as ext4 shows them and tar, make, rsync and find rely on.</summary>
public sealed class DirectoryAttributeTests
{
    [Fact]
    public async Task ADirectoryListedWholeCountsItsSubdirectoriesInItsLinks()
    {
        using var mount = new MountDriver();
        await mount.MakeDirectoryAsync("top", 0x1ED);
        await mount.MakeDirectoryAsync("top/one", 0x1ED);
        await mount.MakeDirectoryAsync("top/two", 0x1ED);
        await mount.CreateAsync("top/file", 0x1A4, [1]);
        mount.LetExpire();
        ulong top = await mount.ResolveAsync("top");
        await mount.ListAsync(top);

        Assert.Equal(4u, await Links(mount, top));
        await mount.RemoveDirectoryAsync("top/two");
        Assert.Equal(3u, await Links(mount, top));
        await mount.MakeDirectoryAsync("top/three", 0x1ED);
        Assert.Equal(4u, await Links(mount, top));
    }

    [Fact]
    public async Task CreatingRemovingAndRenamingEntriesMovesTheDirectorysMtimeAndCtime()
    {
        using var mount = new MountDriver();
        // Times written into metadata come from the wall clock (UnixTime.Now), not the mount's TimeProvider.
        mount.Time.SetUtcNow(DateTimeOffset.UtcNow);
        await mount.MakeDirectoryAsync("dir", 0x1ED);
        await mount.MakeDirectoryAsync("other", 0x1ED);
        ulong dir = await mount.ResolveAsync("dir"), other = await mount.ResolveAsync("other");
        var before = (await mount.Fs.GetAttrAsync(dir, CancellationToken.None)).Attr;

        foreach (var change in new Func<Task>[] { () => mount.CreateAsync("dir/f", 0x1A4, [1]), () => mount.RenameAsync("dir/f", "other/f"), () => mount.UnlinkAsync("other/f") })
        {
            mount.Time.Advance(TimeSpan.FromSeconds(10));
            await change();
        }

        var after = (await mount.Fs.GetAttrAsync(dir, CancellationToken.None)).Attr;
        var otherAfter = (await mount.Fs.GetAttrAsync(other, CancellationToken.None)).Attr;
        Assert.True(after.Mtime > before.Mtime && after.Ctime == after.Mtime, $"dir mtime {before.Mtime} -> {after.Mtime}, ctime {after.Ctime}");
        Assert.True(otherAfter.Mtime > after.Mtime, $"other's mtime {otherAfter.Mtime} must follow its last change, after dir's {after.Mtime}");
    }

    [Fact]
    public async Task ABurstOfChangesInADirectoryKeepsItsNewTimesInItsMarkerWithOneCopy()
    {
        using var mount = new MountDriver();
        mount.Time.SetUtcNow(DateTimeOffset.UtcNow);
        await mount.MakeDirectoryAsync("dir", 0x1ED);
        mount.Time.Advance(TimeSpan.FromSeconds(10));
        int copies = mount.Store.Calls(StoreOperation.Copy);
        string mode = (await mount.Store.HeadAsync("dir/", CancellationToken.None))!.Metadata["mode"];

        for (int i = 0; i < 5; i++) await mount.CreateAsync($"dir/f{i}", 0x1A4, [1]);
        var shown = (await mount.Fs.GetAttrAsync(await mount.ResolveAsync("dir"), CancellationToken.None)).Attr;
        mount.Time.Advance(TimeSpan.FromSeconds(2));
        await mount.Fs.FinishUploadsAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(copies + 1, mount.Store.Calls(StoreOperation.Copy));
        var marker = await mount.Store.HeadAsync("dir/", CancellationToken.None);
        Assert.Equal(S3fsMetadata.Format(shown.MtimeValue), marker!.Metadata[S3fsMetadata.MtimeName]);
        Assert.Equal(S3fsMetadata.Format(shown.CtimeValue), marker.Metadata[S3fsMetadata.CtimeName]);
        Assert.Equal(mode, marker.Metadata["mode"]);
    }

    [Fact]
    public async Task ADirectoryWithoutAMarkerGetsNoneForItsTimes()
    {
        using var mount = new MountDriver();
        mount.Store.PutDirect("implicit/old", [1]);
        await mount.CreateAsync("implicit/new", 0x1A4, [1]);
        mount.Time.Advance(TimeSpan.FromSeconds(2));
        await mount.Fs.FinishUploadsAsync(TimeSpan.FromSeconds(10));

        Assert.Null(await mount.Store.HeadAsync("implicit/", CancellationToken.None));
        Assert.Equal(0, mount.Store.Calls(StoreOperation.Copy));
    }

    private static async Task<uint> Links(MountDriver mount, ulong node) => (await mount.Fs.GetAttrAsync(node, CancellationToken.None)).Attr.Nlink;
}
