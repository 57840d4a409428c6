using Bucketfs.Core.Metadata;
using Bucketfs.Core.Read;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;

namespace Bucketfs.Core;

public sealed partial class BucketFileSystem
{
    private const int AccessModeMask = 3;
    private const int OTrunc = 0x200;

    public async ValueTask Open(FuseRequest request, ulong node, int flags)
    {
        var inode = Node(node);
        if (inode.Kind == EntryKind.Directory) throw new FuseException(Errno.EISDIR);
        if ((flags & AccessModeMask) != 0 || (flags & OTrunc) != 0) throw new FuseException(Errno.EROFS);

        // Attributes within the TTL (from a listing or lookup) are trusted; otherwise the object
        // is asked for its current version, which every read will then insist on.
        if (!_cache.TryGet(inode.Path, out var attributes) || attributes is null || attributes.Kind != inode.Kind)
            attributes = await Store(() => _resolver.HeadAsync(inode.Path, request.CancellationToken)) ?? throw new FuseException(Errno.ENOENT);
        inode.Attributes = attributes;

        var flagsOut = inode.LastOpenedETag == attributes.ETag && attributes.ETag.Length > 0 ? FuseOpenFlags.KeepCache : FuseOpenFlags.None;
        inode.LastOpenedETag = attributes.ETag;
        ulong handle = (ulong)Interlocked.Increment(ref _nextHandle);
        _files[handle] = new ObjectReader(_store, inode.Path, attributes.ETag, attributes.Size, _memory, _tuning);
        await request.ReplyOpen(handle, flagsOut);
    }

    public ValueTask Read(FuseRequest request, ulong node, ulong handle, long offset, int size)
    {
        if (!_files.TryGetValue(handle, out var reader)) return request.ReplyError(Errno.EBADF);
        if (reader.TryRead(offset, request.ReplyBuffer(size), out int read)) return request.ReplyBuffered(read);
        return ReadLater(request, reader, offset, size);
    }

    private async ValueTask ReadLater(FuseRequest request, ObjectReader reader, long offset, int size)
    {
        int read = await Store(() => reader.ReadAsync(offset, request.ReplyBufferMemory(size), request.CancellationToken));
        await request.ReplyBuffered(read);
    }

    public ValueTask Release(FuseRequest request, ulong node, ulong handle, int flags)
    {
        if (_files.TryRemove(handle, out var reader)) reader.Dispose();
        return request.ReplyOk();
    }

    public ValueTask Flush(FuseRequest request, ulong node, ulong handle, ulong lockOwner) => request.ReplyOk();

    public ValueTask Fsync(FuseRequest request, ulong node, ulong handle, bool dataOnly) => request.ReplyOk();

    // Until writes land, every change is refused as on a read-only mount.
    public ValueTask SetAttr(FuseRequest request, ulong node, SetAttrRequest change) => request.ReplyError(Errno.EROFS);
    public ValueTask Create(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask, int flags) => request.ReplyError(Errno.EROFS);
    public ValueTask MkDir(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask) => request.ReplyError(Errno.EROFS);
    public ValueTask MkNod(FuseRequest request, ulong parent, FuseName name, uint mode, uint rdev, uint umask) => request.ReplyError(Errno.EROFS);
    public ValueTask Symlink(FuseRequest request, ulong parent, FuseName name, FuseName target) => request.ReplyError(Errno.EROFS);
    public ValueTask Unlink(FuseRequest request, ulong parent, FuseName name) => request.ReplyError(Errno.EROFS);
    public ValueTask RmDir(FuseRequest request, ulong parent, FuseName name) => request.ReplyError(Errno.EROFS);
    public ValueTask Rename(FuseRequest request, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags) => request.ReplyError(Errno.EROFS);
    public ValueTask Link(FuseRequest request, ulong node, ulong newParent, FuseName newName) => request.ReplyError(Errno.EROFS);
    public ValueTask SetXattr(FuseRequest request, ulong node, FuseName name, FuseData value, int flags) => request.ReplyError(Errno.EROFS);
    public ValueTask RemoveXattr(FuseRequest request, ulong node, FuseName name) => request.ReplyError(Errno.EROFS);
}
