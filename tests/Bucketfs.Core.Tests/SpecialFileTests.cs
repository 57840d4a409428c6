using Bucketfs.Core.Kernel;
using Bucketfs.Core.Tests.Model;
using Bucketfs.Fuse.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.Core.Tests;

/// <summary>FIFOs, sockets and device nodes: empty objects whose s3fs mode carries the type, shown as such.</summary>
public sealed class SpecialFileTests
{
    private const uint Fifo = 0x1000, CharacterDevice = 0x2000, BlockDevice = 0x6000, Socket = 0xC000, Directory = 0x4000;

    [Fact]
    public async Task AFifoIsAnEmptyObjectWithS3fsModeAndNoDeviceNumber()
    {
        using var mount = new MountDriver();
        var entry = await mount.MakeNodeAsync("pipe", Fifo | 0x1A4);
        Assert.Equal(Fifo | 0x1A4, entry.Attr.Mode);
        var stored = mount.Store.Find("pipe")!;
        Assert.Equal(0, stored.Content.Length);
        Assert.Equal("4516", stored.Metadata["mode"]);
        Assert.Equal("1000", stored.Metadata["uid"]);
        Assert.False(stored.Metadata.ContainsKey("rdev"));
    }

    [Fact]
    public async Task ADeviceNodeKeepsItsDeviceNumberAcrossAMount()
    {
        using var mount = new MountDriver();
        const uint null13 = 1 << 8 | 3;
        await mount.MakeNodeAsync("null", CharacterDevice | 0x1B6, null13);
        await mount.MakeNodeAsync("disk", BlockDevice | 0x180, 8 << 8);
        Assert.Equal("259", mount.Store.Find("null")!.Metadata["rdev"]);

        await mount.RemountAsync();
        var device = await mount.StatAsync("null");
        Assert.Equal(CharacterDevice | 0x1B6, device.Mode);
        Assert.Equal(null13, device.Rdev);
        Assert.Equal(BlockDevice | 0x180, (await mount.StatAsync("disk")).Mode);
    }

    [Theory]
    [InlineData(Fifo)]
    [InlineData(Socket)]
    [InlineData(CharacterDevice)]
    public async Task ASpecialFileS3fsMadeShowsItsTypeInAFreshMountsListingAndLookup(uint type)
    {
        using var mount = new MountDriver();
        // As s3fs's mknod stores it: mode (type bits included), owner and times, no body.
        mount.Store.PutDirect("dir/", [], new Dictionary<string, string> { ["mode"] = $"{Directory | 0x1ED}" }, "application/x-directory");
        mount.Store.PutDirect("dir/special", [], new Dictionary<string, string> { ["mode"] = $"{type | 0x1A4}", ["uid"] = "0", ["gid"] = "0", ["mtime"] = "1700000000" });
        mount.Store.PutDirect("dir/plain", "data"u8);

        var listed = await ListWithModesAsync(mount, "dir");
        Assert.Equal(type | 0x1A4, listed["special"]);
        Assert.Equal(0x8000u, listed["plain"] & 0xF000);
        var looked = (await mount.LookupAsync(await mount.ResolveAsync("dir"), "special"))!.Value;
        Assert.Equal(type | 0x1A4, looked.Attr.Mode);
        Assert.Equal(0u, looked.Attr.Rdev);
    }

    [Fact]
    public async Task ASpecialFileKeepsItsTypeThroughChmodAndRename()
    {
        using var mount = new MountDriver();
        await mount.MakeNodeAsync("pipe", Fifo | 0x1A4);
        await mount.ChmodAsync("pipe", 0x180);
        await mount.RenameAsync("pipe", "moved");
        mount.ForgetAll();
        await mount.RemountAsync();
        Assert.Equal(Fifo | 0x180, (await mount.StatAsync("moved")).Mode);
    }

    [Fact]
    public async Task ADirectoryOrSymlinkTypeIsNotAnObjectMknodCanMake()
    {
        using var mount = new MountDriver();
        var failure = await Assert.ThrowsAsync<FileSystemException>(() => mount.MakeNodeAsync("dir", Directory | 0x1ED));
        Assert.Equal(Errno.EPERM, ErrnoMapping.For(failure, NullLogger.Instance));
        Assert.Null(mount.Store.Find("dir"));
    }

    /// <summary>READDIRPLUS as ls -l asks: each entry's mode.</summary>
    private static async Task<Dictionary<string, uint>> ListWithModesAsync(MountDriver mount, string path)
    {
        var modes = new Dictionary<string, uint>();
        ulong handle = mount.Fs.OpenDirectory(await mount.ResolveAsync(path));
        try
        {
            await mount.Fs.ReadDirectoryAsync(handle, 0, plus: true, (string name, in NodeEntry entry, ulong _) =>
            {
                modes[name] = entry.Attr.Mode;
                return true;
            }, CancellationToken.None);
        }
        finally
        {
            mount.Fs.ReleaseDirectory(handle);
        }
        return modes;
    }
}
