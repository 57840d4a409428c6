using Bucketfs.Core.Tests.Model;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Core.Tests;

/// <summary>When a staged copy's mtime changes: with its content, not when it is only opened or chmod'ed.</summary>
public sealed class StagedMtimeTests
{
    private const long Set = 1_616_414_184;

    [Fact]
    public async Task OpeningAFileForWritingKeepsTheMtimeUtimensSet()
    {
        using var mount = new MountDriver();
        await mount.CreateAsync("file", 0x1A4, [1, 2, 3]);
        await mount.UtimensAsync("file", Set);
        await mount.OpenAsync(0, "file", OpenMode.ReadWrite);
        Assert.Equal(Set, await MtimeAsync(mount));
        await mount.ChmodAsync("file", 0x180);
        await mount.CloseAsync(0);
        Assert.Equal(Set, await MtimeAsync(mount));
    }

    [Fact]
    public async Task AWriteAfterUtimensStampsTheUploadWithNow()
    {
        using var mount = new MountDriver();
        await mount.CreateAsync("file", 0x1A4, [1, 2, 3]);
        await mount.UtimensAsync("file", Set);
        await mount.WriteAsync("file", 3, [4]);
        Assert.True(await MtimeAsync(mount) > Set + 100_000_000);
    }

    private static async Task<long> MtimeAsync(MountDriver mount) =>
        (long)(await mount.Fs.GetAttrAsync(await mount.ResolveAsync("file"), CancellationToken.None)).Attr.Mtime;
}
