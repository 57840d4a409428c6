using Bucketfs.Core.Kernel;
using Bucketfs.Core.Tests.Model;
using Bucketfs.Fuse.Protocol;
using Bucketfs.ObjectStore;
using Bucketfs.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.Core.Tests;

/// <summary>How the core's failures reach a caller, and the errno the FUSE adapter answers for each.</summary>
public sealed class CoreFailureTests
{
    [Fact]
    public async Task AnUploadTheStoreRefusesFailsCloseWithAccessDenied()
    {
        using var mount = new MountDriver();
        mount.Store.FailAlways(StoreOperation.AnyWrite, StoreError.AccessDenied);
        var failure = await Assert.ThrowsAsync<FileSystemException>(() => mount.CreateAsync("refused", 0x1A4, [1, 2, 3]));
        Assert.Equal(FileSystemError.AccessDenied, failure.Error);
        Assert.Equal(Errno.EACCES, ErrnoMapping.For(failure, NullLogger.Instance));
    }

    [Fact]
    public async Task AStoreThatStopsAnsweringFailsCloseWithEio()
    {
        using var mount = new MountDriver();
        mount.Store.FailAlways(StoreOperation.AnyWrite, StoreError.Unavailable);
        var failure = await Assert.ThrowsAsync<FileSystemException>(() => mount.CreateAsync("unstored", 0x1A4, [1, 2, 3]));
        Assert.Equal(Errno.EIO, ErrnoMapping.For(failure, NullLogger.Instance));
    }

    [Fact]
    public async Task AStoreFailureOutsideAnUploadIsMappedByItsKind()
    {
        using var mount = new MountDriver();
        mount.Store.FailAlways(StoreOperation.List | StoreOperation.Head | StoreOperation.AnyRead, StoreError.AccessDenied);
        var failure = await Assert.ThrowsAsync<ObjectStoreException>(() => mount.ResolveAsync("anything"));
        Assert.Equal(Errno.EACCES, ErrnoMapping.For(failure, NullLogger.Instance));
    }

    [Fact]
    public async Task ANameTooLongForAKeyIsRefusedAsSuch()
    {
        using var mount = new MountDriver();
        var failure = await Assert.ThrowsAsync<FileSystemException>(() => mount.MakeDirectoryAsync(new string('x', 300), 0x1ED));
        Assert.Equal(Errno.ENAMETOOLONG, ErrnoMapping.For(failure, NullLogger.Instance));
    }

    [Fact]
    public async Task ReadingAClosedHandleIsABadHandle()
    {
        using var mount = new MountDriver();
        await mount.CreateAsync("file", 0x1A4, [1]);
        var opened = await mount.Fs.OpenAsync(await mount.ResolveAsync("file"), 0, CancellationToken.None);
        await mount.Fs.ReleaseAsync(opened.Handle);
        var failure = Assert.Throws<FileSystemException>(() => mount.Fs.BeginRead(opened.Handle, 0, 1));
        Assert.Equal(Errno.EBADF, ErrnoMapping.For(failure, NullLogger.Instance));
    }
}
