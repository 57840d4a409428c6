using Bucketfs.Core.Tests.Model;
using Bucketfs.ObjectStore;
using Bucketfs.Testing;

namespace Bucketfs.Core.Tests;

/// <summary>Handles of one file read what this mount did to it, as on a local disk: writes through other handles, renames, replacements.</summary>
public sealed class OpenFileCoherenceTests
{
    private static readonly byte[] Old = [1, 2, 3, 4, 5, 6], New = [9, 9, 9];

    [Fact]
    public async Task AHandleOpenForReadingReadsWhatAnotherHandleWrites()
    {
        using var mount = new MountDriver();
        await mount.CreateAsync("f", 0x1A4, Old);
        await mount.OpenAsync(0, "f", OpenMode.ReadOnly);
        await mount.OpenAsync(1, "f", OpenMode.ReadWrite);

        await mount.WriteAsync(1, 0, New);
        Assert.Equal([9, 9, 9, 4, 5, 6], await mount.ReadAsync(0, 0, 100));

        // Once the writer has closed and its copy is stored, the reader reads on in that version.
        await mount.CloseAsync(1);
        Assert.Equal([9, 9, 9, 4, 5, 6], await mount.ReadAsync(0, 0, 100));
        await mount.CloseAsync(0);
    }

    [Fact]
    public async Task AHandleReadsOnAfterItsFileIsRenamed()
    {
        using var mount = new MountDriver();
        await mount.CreateAsync("f", 0x1A4, Old);
        await mount.OpenAsync(0, "f", OpenMode.ReadOnly);

        await mount.RenameAsync("f", "g");
        Assert.Equal(Old, await mount.ReadAsync(0, 0, 100));
        await mount.CloseAsync(0);
    }

    [Fact]
    public async Task AFileReplacedByARenameWhileOpenDoesNotStoreOverItsReplacementWhenClosed()
    {
        using var mount = new MountDriver();
        await mount.CreateAsync("target", 0x1A4, Old);
        await mount.CreateAsync("source", 0x1A4, New);
        await mount.OpenAsync(0, "target", OpenMode.ReadWrite);
        await mount.WriteAsync(0, 0, [7]);

        await mount.RenameAsync("source", "target");
        await mount.CloseAsync(0);

        Assert.Equal(New, mount.Store.Find("target")!.Content.ToArray());
        Assert.Null(mount.Store.Find("source"));
    }

    [Fact]
    public async Task ARenameWhoseDeleteFailsLeavesOnlyTheOldName()
    {
        using var mount = new MountDriver();
        await mount.CreateAsync("f", 0x1A4, Old);
        mount.Store.FailNext(StoreOperation.Delete, StoreError.Unavailable);

        await Assert.ThrowsAsync<ObjectStoreException>(() => mount.RenameAsync("f", "g"));
        Assert.NotNull(mount.Store.Find("f"));
        Assert.Null(mount.Store.Find("g"));
    }
}
