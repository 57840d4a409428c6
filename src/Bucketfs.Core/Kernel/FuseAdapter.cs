using Bucketfs.Core.Namespace;
using Bucketfs.Core.Read;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Core.Kernel;

/// <summary>
/// Serves a <see cref="BucketFileSystem"/> over FUSE: decodes each request's arguments, calls the
/// core, and writes its result as the reply (a read straight from the fetched data). Failures
/// reach the session, which asks <see cref="ErrnoFor"/> for their errno.
/// </summary>
public sealed class FuseAdapter(BucketFileSystem core, ILogger log) : IFuseFileSystem
{
    /// <summary>Uploads at close and fsync, and renames, take as long as their data needs: each store call has its own bound, so only an interrupt stops them.</summary>
    private static CancellationToken Unbounded(FuseRequest request) => request.InterruptToken;

    public void Init(FuseConnection connection)
    {
        if (connection.PassthroughEnabled) core.UsePassthrough(new KernelBackingFiles(connection));
    }

    public int? ErrnoFor(Exception failure) => ErrnoMapping.For(failure, log);

    public ValueTask Lookup(FuseRequest request, ulong parent, FuseName name)
    {
        if (name.Length > KeyNames.NameMax) return request.ReplyError(Errno.ENAMETOOLONG);
        var found = core.LookupAsync(parent, name.ToString(), request.CancellationToken);
        return found.IsCompletedSuccessfully ? ReplyEntry(request, found.Result) : ReplyEntryLater(request, found);
    }

    private static async ValueTask ReplyEntryLater(FuseRequest request, ValueTask<NodeEntry> found) => await ReplyEntry(request, await found);

    private static ValueTask ReplyEntry(FuseRequest request, in NodeEntry entry) => request.ReplyEntry(ToFuse(entry));

    private static FuseEntry ToFuse(in NodeEntry entry) =>
        new() { NodeId = entry.NodeId, Attr = entry.Attr, EntryTimeout = entry.Ttl, AttrTimeout = entry.Exists ? entry.Ttl : TimeSpan.Zero };

    public void Forget(ReadOnlySpan<FuseForgetOne> forgets)
    {
        foreach (var forget in forgets) core.Forget(forget.NodeId, forget.Lookups);
    }

    public ValueTask GetAttr(FuseRequest request, ulong node, ulong? handle)
    {
        var attr = core.GetAttrAsync(node, request.CancellationToken);
        return attr.IsCompletedSuccessfully ? request.ReplyAttr(attr.Result.Attr, attr.Result.Ttl) : ReplyAttrLater(request, attr);
    }

    private static async ValueTask ReplyAttrLater(FuseRequest request, ValueTask<NodeAttr> pending)
    {
        var attr = await pending;
        await request.ReplyAttr(attr.Attr, attr.Ttl);
    }

    public async ValueTask SetAttr(FuseRequest request, ulong node, SetAttrRequest change)
    {
        var attr = await core.SetAttributesAsync(node, change, request.CancellationToken);
        await request.ReplyAttr(attr.Attr, attr.Ttl);
    }

    public async ValueTask ReadLink(FuseRequest request, ulong node) =>
        await request.ReplyData(await core.ReadLinkAsync(node, request.CancellationToken));

    public async ValueTask Symlink(FuseRequest request, ulong parent, FuseName name, FuseName target)
    {
        // Both names point into the request, which the awaits below outlive only as strings and copies.
        string linkName = name.ToString();
        byte[] body = target.Span.ToArray();
        await ReplyEntry(request, await core.SymlinkAsync(parent, linkName, body, Caller(request), request.CancellationToken));
    }

    public async ValueTask MkNod(FuseRequest request, ulong parent, FuseName name, uint mode, uint rdev, uint umask) =>
        await ReplyEntry(request, await core.MakeNodeAsync(parent, name.ToString(), mode, rdev, Caller(request), request.CancellationToken));

    public async ValueTask MkDir(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask) =>
        await ReplyEntry(request, await core.MakeDirectoryAsync(parent, name.ToString(), mode, Caller(request), request.CancellationToken));

    public async ValueTask Unlink(FuseRequest request, ulong parent, FuseName name)
    {
        await core.UnlinkAsync(parent, name.ToString(), request.CancellationToken);
        await request.ReplyOk();
    }

    public async ValueTask RmDir(FuseRequest request, ulong parent, FuseName name)
    {
        await core.RemoveDirectoryAsync(parent, name.ToString(), request.CancellationToken);
        await request.ReplyOk();
    }

    public async ValueTask Rename(FuseRequest request, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags)
    {
        await core.RenameAsync(parent, name.ToString(), newParent, newName.ToString(), flags, Unbounded(request));
        await request.ReplyOk();
    }

    public ValueTask Link(FuseRequest request, ulong node, ulong newParent, FuseName newName) => request.ReplyError(Errno.EPERM);

    public async ValueTask Open(FuseRequest request, ulong node, int flags) => await ReplyOpen(request, await core.OpenAsync(node, flags, request.CancellationToken));

    private static ValueTask ReplyOpen(FuseRequest request, OpenResult opened) =>
        request.ReplyOpen(opened.Handle, OpenFlags(opened), opened.BackingId);

    private static FuseOpenFlags OpenFlags(OpenResult opened) =>
        opened.BackingId != 0 ? FuseOpenFlags.Passthrough : opened.KeepCache ? FuseOpenFlags.KeepCache : FuseOpenFlags.None;

    public async ValueTask Create(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask, int flags)
    {
        var (entry, handle) = await core.CreateAsync(parent, name.ToString(), mode, Caller(request), request.CancellationToken);
        await request.ReplyCreate(ToFuse(entry), handle);
    }

    public ValueTask Read(FuseRequest request, ulong node, ulong handle, long offset, int size)
    {
        var start = core.BeginRead(handle, offset, size);
        return start.Ready ? ReplyRead(request, start.Lease!.Value) : ReplyReadLater(request, handle, start);
    }

    private async ValueTask ReplyReadLater(FuseRequest request, ulong handle, ReadStart start)
    {
        var result = await core.FinishReadAsync(handle, start, request.ReplyBufferMemory(start.Size), request.CancellationToken);
        if (result.Lease is { } lease) await ReplyRead(request, lease);
        else await request.ReplyBuffered(result.Copied);
    }

    /// <summary>Answers from the fetched data itself when one or two chunks hold it, sparing a copy and the request buffer's pages.</summary>
    private static ValueTask ReplyRead(FuseRequest request, ReadLease lease)
    {
        using (lease)
        {
            if (lease.TrySingle(out var data)) return request.ReplyData(data);
            if (lease.TryPair(out var first, out var second)) return request.ReplyData(first, second);
            return request.ReplyBuffered(lease.CopyTo(request.ReplyBuffer(int.MaxValue)));
        }
    }

    public ValueTask Write(FuseRequest request, ulong node, ulong handle, long offset, FuseData data, uint writeFlags)
    {
        var written = core.WriteAsync(handle, offset, data.Memory, request.CancellationToken);
        return written.IsCompletedSuccessfully ? request.ReplyWrite(data.Length) : ReplyWriteLater(request, written, data.Length);
    }

    private static async ValueTask ReplyWriteLater(FuseRequest request, ValueTask written, int length)
    {
        await written;
        await request.ReplyWrite(length);
    }

    public async ValueTask Flush(FuseRequest request, ulong node, ulong handle, ulong lockOwner)
    {
        await core.CommitAsync(handle, Unbounded(request));
        await request.ReplyOk();
    }

    public async ValueTask Fsync(FuseRequest request, ulong node, ulong handle, bool dataOnly)
    {
        await core.CommitAsync(handle, Unbounded(request));
        await request.ReplyOk();
    }

    /// <summary>Answered first: the kernel does not wait for RELEASE, and the upload it may start is the core's to finish.</summary>
    public async ValueTask Release(FuseRequest request, ulong node, ulong handle, int flags)
    {
        await request.ReplyOk();
        await core.ReleaseAsync(handle);
    }

    public ValueTask StatFs(FuseRequest request, ulong node) => request.ReplyStatfs(BucketFileSystem.StatFs());

    public ValueTask OpenDir(FuseRequest request, ulong node, int flags) => request.ReplyOpen(core.OpenDirectory(node));

    public async ValueTask ReadDir(FuseRequest request, ulong node, ulong handle, ulong offset, bool plus)
    {
        var buffer = request.Directory;
        DirectorySink sink = plus
            ? (string name, in NodeEntry entry, ulong next) => buffer.AddPlus(name, ToFuse(entry), next)
            : (string name, in NodeEntry entry, ulong next) => buffer.Add(name, entry.Attr.Ino, entry.Attr.Mode, next);
        await core.ReadDirectoryAsync(handle, (long)offset, plus, sink, request.CancellationToken);
        await request.ReplyDirectory();
    }

    public ValueTask ReleaseDir(FuseRequest request, ulong node, ulong handle)
    {
        core.ReleaseDirectory(handle);
        return request.ReplyOk();
    }

    public ValueTask GetXattr(FuseRequest request, ulong node, FuseName name, int size)
    {
        if (!core.XattrsEnabled) return request.ReplyNotImplemented();
        // Asked on every write (security.capability) and by ls (system.posix_acl_*): answered without an exception or a string.
        if (!name.Span.StartsWith("user."u8)) return request.ReplyError(Errno.ENODATA);
        return GetUserXattr(request, node, name.ToString(), size);
    }

    private async ValueTask GetUserXattr(FuseRequest request, ulong node, string name, int size) =>
        await ReplySized(request, await core.GetXattrAsync(node, name, request.CancellationToken), size);

    public async ValueTask ListXattr(FuseRequest request, ulong node, int size) =>
        await ReplySized(request, await core.ListXattrsAsync(node, request.CancellationToken), size);

    /// <summary>getxattr(2) and listxattr(2): the size alone when asked with 0, ERANGE when the caller's buffer is too small.</summary>
    private static ValueTask ReplySized(FuseRequest request, byte[] value, int size) =>
        size == 0 ? request.ReplyXattrSize(value.Length)
        : size < value.Length ? request.ReplyError(Errno.ERANGE)
        : request.ReplyData(value);

    public async ValueTask SetXattr(FuseRequest request, ulong node, FuseName name, FuseData value, int flags)
    {
        await core.SetXattrAsync(node, name.ToString(), value.Span.ToArray(), flags, request.CancellationToken);
        await request.ReplyOk();
    }

    public async ValueTask RemoveXattr(FuseRequest request, ulong node, FuseName name)
    {
        await core.RemoveXattrAsync(node, name.ToString(), request.CancellationToken);
        await request.ReplyOk();
    }

    private static Caller Caller(FuseRequest request) => new(request.Uid, request.Gid);

    /// <summary>The connection's backing-file registry, as the core's read modes need it.</summary>
    private sealed class KernelBackingFiles(FuseConnection connection) : IPassthroughFiles
    {
        public int Register(SafeFileHandle file) => connection.OpenBackingFile(file);

        public void Unregister(int id) => connection.CloseBackingFile(id);
    }
}
