using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;

namespace Bucketfs.Fuse;

/// <summary>
/// An inode-level filesystem served over FUSE. Every method but <see cref="Forget"/> must answer
/// its request exactly once through one of the request's Reply methods, synchronously or later;
/// a method that completes without replying is answered EIO, a <see cref="FuseException"/> with
/// its errno, cancellation after INTERRUPT with EINTR. Names and write data point into the
/// request's buffer and are valid only until the reply. The defaults answer ENOSYS.
/// </summary>
public interface IFuseFileSystem
{
    /// <summary>Called once after INIT, before any other request; the connection stays valid for the mount's life.</summary>
    void Init(FuseConnection connection) { }

    ValueTask Lookup(FuseRequest request, ulong parent, FuseName name) => request.ReplyNotImplemented();

    /// <summary>The kernel drops lookup references (FORGET and BATCH_FORGET). No reply.</summary>
    void Forget(ReadOnlySpan<FuseForgetOne> forgets) { }

    ValueTask GetAttr(FuseRequest request, ulong node, ulong? handle) => request.ReplyNotImplemented();

    ValueTask SetAttr(FuseRequest request, ulong node, SetAttrRequest change) => request.ReplyNotImplemented();

    ValueTask ReadLink(FuseRequest request, ulong node) => request.ReplyNotImplemented();

    ValueTask Symlink(FuseRequest request, ulong parent, FuseName name, FuseName target) => request.ReplyNotImplemented();

    ValueTask MkNod(FuseRequest request, ulong parent, FuseName name, uint mode, uint rdev, uint umask) => request.ReplyNotImplemented();

    ValueTask MkDir(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask) => request.ReplyNotImplemented();

    ValueTask Unlink(FuseRequest request, ulong parent, FuseName name) => request.ReplyNotImplemented();

    ValueTask RmDir(FuseRequest request, ulong parent, FuseName name) => request.ReplyNotImplemented();

    /// <summary>RENAME and RENAME2; <paramref name="flags"/> carries RENAME_NOREPLACE (1), RENAME_EXCHANGE (2), RENAME_WHITEOUT (4).</summary>
    ValueTask Rename(FuseRequest request, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags) => request.ReplyNotImplemented();

    ValueTask Link(FuseRequest request, ulong node, ulong newParent, FuseName newName) => request.ReplyNotImplemented();

    ValueTask Open(FuseRequest request, ulong node, int flags) => request.ReplyNotImplemented();

    ValueTask Create(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask, int flags) => request.ReplyNotImplemented();

    ValueTask Read(FuseRequest request, ulong node, ulong handle, long offset, int size) => request.ReplyNotImplemented();

    ValueTask Write(FuseRequest request, ulong node, ulong handle, long offset, FuseData data, uint writeFlags) => request.ReplyNotImplemented();

    ValueTask Flush(FuseRequest request, ulong node, ulong handle, ulong lockOwner) => request.ReplyNotImplemented();

    ValueTask Fsync(FuseRequest request, ulong node, ulong handle, bool dataOnly) => request.ReplyNotImplemented();

    ValueTask Release(FuseRequest request, ulong node, ulong handle, int flags) => request.ReplyOk();

    ValueTask StatFs(FuseRequest request, ulong node) => request.ReplyNotImplemented();

    ValueTask Access(FuseRequest request, ulong node, int mask) => request.ReplyNotImplemented();

    ValueTask OpenDir(FuseRequest request, ulong node, int flags) => request.ReplyOpen(0);

    /// <summary>READDIR and READDIRPLUS: fill <see cref="FuseRequest.Directory"/> from <paramref name="offset"/> and reply with ReplyDirectory.</summary>
    ValueTask ReadDir(FuseRequest request, ulong node, ulong handle, ulong offset, bool plus) => request.ReplyNotImplemented();

    ValueTask ReleaseDir(FuseRequest request, ulong node, ulong handle) => request.ReplyOk();

    ValueTask FsyncDir(FuseRequest request, ulong node, ulong handle, bool dataOnly) => request.ReplyOk();

    /// <summary>Answer ReplyXattrSize when <paramref name="size"/> is 0, the value otherwise (ERANGE if it does not fit).</summary>
    ValueTask GetXattr(FuseRequest request, ulong node, FuseName name, int size) => request.ReplyNotImplemented();

    ValueTask SetXattr(FuseRequest request, ulong node, FuseName name, FuseData value, int flags) => request.ReplyNotImplemented();

    /// <summary>Answer the NUL-separated names, or their total size when <paramref name="size"/> is 0.</summary>
    ValueTask ListXattr(FuseRequest request, ulong node, int size) => request.ReplyNotImplemented();

    ValueTask RemoveXattr(FuseRequest request, ulong node, FuseName name) => request.ReplyNotImplemented();

    ValueTask Fallocate(FuseRequest request, ulong node, ulong handle, long offset, long length, int mode) => request.ReplyNotImplemented();

    ValueTask Lseek(FuseRequest request, ulong node, ulong handle, long offset, int whence) => request.ReplyNotImplemented();

    /// <summary>
    /// The errno for a handler's failure other than <see cref="FuseException"/> or cancellation, called
    /// once per failed request (so the filesystem may log it); null answers EIO and logs the exception.
    /// </summary>
    int? ErrnoFor(Exception failure) => null;

    /// <summary>Called once when the session ends (unmount or DESTROY); no reply.</summary>
    void Destroy() { }
}

/// <summary>What a SETATTR request asks to change; only fields named in <see cref="Valid"/> mean anything.</summary>
public readonly record struct SetAttrRequest(
    SetAttrValid Valid,
    ulong? Handle,
    ulong Size,
    uint Mode,
    uint Uid,
    uint Gid,
    UnixTime Atime,
    UnixTime Mtime,
    UnixTime Ctime)
{
    public bool Has(SetAttrValid field) => (Valid & field) != 0;
}
