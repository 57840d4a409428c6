using Bucketfs.Core.Tests.Model;

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

    private static async Task<uint> Links(MountDriver mount, ulong node) => (await mount.Fs.GetAttrAsync(node, CancellationToken.None)).Attr.Nlink;
}
