using System.Globalization;
using System.Text;
using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.Core.Write;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core;

/// <summary>Changes to names and attributes, stored as s3fs stores them so both tools agree on the bucket.</summary>
public sealed partial class BucketFileSystem
{
    private const uint RenameNoReplace = 1;
    private const uint PermissionBits = 0xFFF;

    public async ValueTask Create(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask, int flags)
    {
        var (directory, childName, path) = NewName(parent, name);
        var metadata = S3fsMetadata.For(S3fsMetadata.RegularType | (mode & PermissionBits), request.Uid, request.Gid, UnixTime.Now);
        var staged = StagedFile.Create(_stagingDirectory, _store.Description, path, null, 0, metadata);
        staged.Truncate(0);
        staged.Stream = NewStream(staged);
        staged.OpenHandles = 1;
        var attributes = new EntryAttributes(EntryKind.File, 0, "", DateTimeOffset.UtcNow) { Metadata = metadata };
        var entry = Remember(directory, childName, attributes);
        _staged[entry.NodeId] = staged;
        _listings?.Forget(directory.DirectoryPrefix);
        _cache.Add(path, attributes);
        var node = _inodes.Find(entry.NodeId)!;
        await ServeAsync(node, request.CancellationToken);
        ulong handle = AddHandle(new OpenFile(node, null, staged));
        await request.ReplyCreate(entry, handle);
    }

    public async ValueTask MkNod(FuseRequest request, ulong parent, FuseName name, uint mode, uint rdev, uint umask)
    {
        // Only regular files have an object form; devices, FIFOs and sockets do not.
        if ((mode & S3fsMetadata.TypeMask) != S3fsMetadata.RegularType) throw new FuseException(Errno.EPERM);
        var (directory, childName, path) = NewName(parent, name);
        var metadata = S3fsMetadata.For(mode, request.Uid, request.Gid, UnixTime.Now);
        string etag = await Store(() => _store.PutAsync(path, ReadOnlyMemory<byte>.Empty, new ObjectAttributes(metadata), request.CancellationToken));
        await request.ReplyEntry(Added(directory, childName, path, new EntryAttributes(EntryKind.File, 0, etag, DateTimeOffset.UtcNow) { Metadata = metadata }));
    }

    public async ValueTask MkDir(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask)
    {
        var (directory, childName, path) = NewName(parent, name);
        var metadata = S3fsMetadata.For(S3fsMetadata.DirectoryType | (mode & PermissionBits), request.Uid, request.Gid, UnixTime.Now);
        await Store(() => _store.PutAsync(path + "/", ReadOnlyMemory<byte>.Empty, new ObjectAttributes(metadata, "application/x-directory"), request.CancellationToken));
        // A directory made here is empty: lookups in it need not ask the store (unpacking an archive).
        _cache.MarkComplete(path + "/", 0);
        await request.ReplyEntry(Added(directory, childName, path, EntryAttributes.Directory with { Metadata = metadata }));
    }

    public async ValueTask Symlink(FuseRequest request, ulong parent, FuseName name, FuseName target)
    {
        byte[] body = target.Span.ToArray();
        var (directory, childName, path) = NewName(parent, name);
        var metadata = S3fsMetadata.For(S3fsMetadata.SymlinkType | 0x1FF, request.Uid, request.Gid, UnixTime.Now);
        string etag = await Store(() => _store.PutAsync(path, body, new ObjectAttributes(metadata), request.CancellationToken));
        await request.ReplyEntry(Added(directory, childName, path, new EntryAttributes(EntryKind.Symlink, body.Length, etag, DateTimeOffset.UtcNow) { Metadata = metadata }));
    }

    public ValueTask Link(FuseRequest request, ulong node, ulong newParent, FuseName newName) => request.ReplyError(Errno.EPERM);

    public async ValueTask Unlink(FuseRequest request, ulong parent, FuseName name)
    {
        var (directory, childName, path) = ExistingName(parent, name);
        var child = _inodes.Child(directory.Id, childName);
        if (child is { Kind: EntryKind.Directory }) throw new FuseException(Errno.EISDIR);
        bool onlyLocal = false;
        if (child != null && _staged.TryGetValue(child.Id, out var staged))
        {
            // A file created here and never uploaded has no object to delete.
            onlyLocal = staged.Manifest.BaseETag is null;
            staged.Deleted = true;
            await Unstage(child, staged, closing: false);
        }
        if (!onlyLocal) await DeleteIgnoringMissing(path, request.CancellationToken);
        Removed(directory, childName, path);
        await request.ReplyOk();
    }

    public async ValueTask RmDir(FuseRequest request, ulong parent, FuseName name)
    {
        var (directory, childName, path) = ExistingName(parent, name);
        var cancellation = request.CancellationToken;
        var below = await Store(() => _store.ListAsync(path + "/", null, null, 2, cancellation));
        if (below.Objects.Any(o => o.Key != path + "/") || below.CommonPrefixes.Count > 0) throw new FuseException(Errno.ENOTEMPTY);
        if (below.Objects.Count == 0 && await Store(() => _resolver.ResolveAsync(path, cancellation)) is not { Kind: EntryKind.Directory })
            throw new FuseException(Errno.ENOTDIR);
        await DeleteIgnoringMissing(path + "/", cancellation);
        await DeleteIgnoringMissing(path + KeyNames.LegacyFolderSuffix, cancellation);
        Removed(directory, childName, path);
        await request.ReplyOk();
    }

    public async ValueTask Rename(FuseRequest request, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags)
    {
        if (_options.ReadOnly) throw new FuseException(Errno.EROFS);
        if ((flags & ~RenameNoReplace) != 0) throw new FuseException(Errno.EINVAL);
        // Copies take as long as the data needs (each store call is bounded): see Flush.
        var cancellation = request.InterruptToken;
        var (from, fromName, fromPath) = ExistingName(parent, name);
        var (to, toName, toPath) = ExistingName(newParent, newName);
        var source = await Store(() => _resolver.ResolveAsync(fromPath, cancellation)) ?? throw new FuseException(Errno.ENOENT);
        var target = await Store(() => _resolver.ResolveAsync(toPath, cancellation));
        if (target != null)
        {
            if ((flags & RenameNoReplace) != 0) throw new FuseException(Errno.EEXIST);
            if (source.Kind == EntryKind.Directory && target.Kind != EntryKind.Directory) throw new FuseException(Errno.ENOTDIR);
            if (source.Kind != EntryKind.Directory && target.Kind == EntryKind.Directory) throw new FuseException(Errno.EISDIR);
        }
        if (source.Kind == EntryKind.Directory)
        {
            _listings?.ForgetAll();
            await RenameDirectory(fromPath, toPath, target != null, cancellation);
        }
        else
        {
            _listings?.Forget(from.DirectoryPrefix);
            _listings?.Forget(to.DirectoryPrefix);
            await RenameFile(from, fromName, fromPath, toPath, cancellation);
        }
        _inodes.Move(from.Id, fromName, to, toName);
        _cache.AddMissing(fromPath);
        _cache.Remove(toPath);
        _cache.MarkIncomplete(to.DirectoryPrefix);
        await request.ReplyOk();
    }

    private async Task RenameFile(Inode from, string fromName, string fromPath, string toPath, CancellationToken cancellation)
    {
        var child = _inodes.Child(from.Id, fromName);
        if (child != null && _staged.TryGetValue(child.Id, out var staged))
        {
            // A file not uploaded yet simply gets its new key; otherwise what is written goes up first.
            if (staged.Manifest.BaseETag is null && staged.Dirty)
            {
                staged.Renamed(toPath);
                return;
            }
            await Upload(child, staged, cancellation);
            staged.Renamed(toPath);
        }
        await CopyObject(fromPath, toPath, cancellation);
        await DeleteIgnoringMissing(fromPath, cancellation);
    }

    /// <summary>Every key below the directory is copied (in parallel) and then deleted; bounded by the rename limit.</summary>
    private async Task RenameDirectory(string fromPath, string toPath, bool targetExists, CancellationToken cancellation)
    {
        if (targetExists)
        {
            var inTarget = await Store(() => _store.ListAsync(toPath + "/", null, null, 2, cancellation));
            if (inTarget.Objects.Any(o => o.Key != toPath + "/")) throw new FuseException(Errno.ENOTEMPTY);
        }
        var keys = new List<string>();
        string? continuation = null;
        do
        {
            var page = await Store(() => _store.ListAsync(fromPath + "/", null, continuation, 1000, cancellation));
            keys.AddRange(page.Objects.Select(o => o.Key));
            if (keys.Count > _options.RenameDirectoryLimit)
            {
                _log.LogWarning("Refusing to rename {Path}: more than {Limit} keys (raise --rename-dir-limit)", fromPath, _options.RenameDirectoryLimit);
                throw new FuseException(Errno.EXDEV);
            }
            continuation = page.Continuation;
        }
        while (continuation != null);
        if (await Store(() => _store.HeadAsync(fromPath + KeyNames.LegacyFolderSuffix, cancellation)) != null) keys.Add(fromPath + KeyNames.LegacyFolderSuffix);

        _log.LogInformation("Renaming {From} to {To}: {Count} keys", fromPath, toPath, keys.Count);
        int done = 0;
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellation }, async (key, token) =>
        {
            await CopyObject(key, toPath + key[fromPath.Length..], token);
            if (Interlocked.Increment(ref done) % 1000 == 0) _log.LogInformation("Renaming {From}: {Done} of {Count} keys copied", fromPath, done, keys.Count);
        });
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellation }, async (key, token) => await DeleteIgnoringMissing(key, token));
    }

    /// <summary>Server-side copy keeping the metadata; above 5 GiB (one CopyObject's limit) as a multipart copy.</summary>
    private async Task CopyObject(string from, string to, CancellationToken cancellation)
    {
        const long singleCopyLimit = 5L << 30;
        var info = await Store(() => _store.HeadAsync(from, cancellation)) ?? throw new FuseException(Errno.ENOENT);
        if (info.Size <= singleCopyLimit)
        {
            await Store(() => _store.CopyAsync(from, to, null, info.ETag, cancellation));
            return;
        }
        long partSize = Uploader.PartSize(info.Size);
        string uploadId = await Store(() => _store.StartUploadAsync(to, new ObjectAttributes(info.Metadata), cancellation));
        var parts = new List<UploadedPart>();
        for (long offset = 0; offset < info.Size; offset += partSize)
        {
            long start = offset;
            parts.Add(await Store(() => _store.CopyPartAsync(to, uploadId, parts.Count + 1, from, start, Math.Min(partSize, info.Size - start), info.ETag, cancellation)));
        }
        await Store(() => _store.CompleteUploadAsync(to, uploadId, parts, cancellation));
    }

    public async ValueTask SetAttr(FuseRequest request, ulong node, SetAttrRequest change)
    {
        if (_options.ReadOnly) throw new FuseException(Errno.EROFS);
        var inode = Node(node);
        var cancellation = request.CancellationToken;
        if (change.Has(SetAttrValid.Size))
        {
            if (inode.Kind == EntryKind.Directory) throw new FuseException(Errno.EISDIR);
            var staged = await StageLocked(inode, cancellation);
            try
            {
                staged.Truncate((long)change.Size);
            }
            finally
            {
                staged.Gate.Release();
            }
            // truncate(2) without an open handle gets no close() to upload at: do it now.
            if (staged.OpenHandles == 0) await Unstage(inode, staged, closing: false);
        }
        if (change.Has(SetAttrValid.Mode) || change.Has(SetAttrValid.Uid) || change.Has(SetAttrValid.Gid) || change.Has(SetAttrValid.Mtime) || change.Has(SetAttrValid.MtimeNow))
            await ChangeMetadata(inode, change, cancellation);
        await request.ReplyAttr(_attributes.Map(inode.Id, Effective(inode)), Ttl);
    }

    /// <summary>chmod, chown and utimens: s3fs's x-amz-meta-* headers, replaced by copying the object onto itself.</summary>
    private async Task ChangeMetadata(Inode inode, SetAttrRequest change, CancellationToken cancellation)
    {
        var attr = _attributes.Map(inode.Id, Effective(inode));
        uint mode = change.Has(SetAttrValid.Mode) ? (attr.Mode & S3fsMetadata.TypeMask) | (change.Mode & PermissionBits) : attr.Mode;
        uint uid = change.Has(SetAttrValid.Uid) ? change.Uid : attr.Uid;
        uint gid = change.Has(SetAttrValid.Gid) ? change.Gid : attr.Gid;
        var mtime = change.Has(SetAttrValid.MtimeNow) ? UnixTime.Now : change.Has(SetAttrValid.Mtime) ? change.Mtime : attr.MtimeValue;
        bool explicitMtime = change.Has(SetAttrValid.Mtime) || change.Has(SetAttrValid.MtimeNow);

        if (await ChangeStaged(inode, current => S3fsMetadata.For(mode, uid, gid, mtime, current), explicitMtime, cancellation)) return;
        var existing = await MetadataOf(inode, cancellation);
        await StoreMetadata(inode, S3fsMetadata.For(mode, uid, gid, mtime, existing), cancellation);
    }

    /// <summary>
    /// Changes the metadata of the inode's staged copy, under its gate, when it has one; false when
    /// it has none, or the last close discarded it meanwhile (its upload is done: change the object).
    /// </summary>
    private async Task<bool> ChangeStaged(Inode inode, Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>> change, bool explicitMtime, CancellationToken cancellation)
    {
        if (!_staged.TryGetValue(inode.Id, out var staged)) return false;
        await staged.Gate.WaitAsync(cancellation);
        bool kept = !staged.Discarded;
        try
        {
            if (kept) staged.SetMetadata(change(staged.Manifest.Metadata), explicitMtime);
        }
        finally
        {
            staged.Gate.Release();
        }
        if (kept && staged.OpenHandles == 0) await Unstage(inode, staged, closing: false);
        return kept;
    }

    /// <summary>Replaces a node's x-amz-meta-* in the store: a copy onto itself, or for a directory its marker (created if implicit, as s3fs does).</summary>
    private async Task StoreMetadata(Inode inode, Dictionary<string, string> metadata, CancellationToken cancellation)
    {
        EntryAttributes updated;
        if (inode.Kind == EntryKind.Directory)
        {
            await Store(() => _store.PutAsync(inode.Path + "/", ReadOnlyMemory<byte>.Empty, new ObjectAttributes(metadata, "application/x-directory"), cancellation));
            updated = EntryAttributes.Directory with { Metadata = metadata };
        }
        else
        {
            var current = await Store(() => _resolver.HeadAsync(inode.Path, cancellation)) ?? throw new FuseException(Errno.ENOENT);
            string etag = await Store(() => _store.CopyAsync(inode.Path, inode.Path, new ObjectAttributes(metadata), current.ETag, cancellation));
            updated = current with { ETag = etag.Length > 0 ? etag : current.ETag, Metadata = metadata };
        }
        inode.Attributes = updated;
        _cache.Add(inode.Path, updated);
    }

    /// <summary>What stat shows for a node: its staged copy's size while one exists.</summary>
    private EntryAttributes Effective(Inode inode) =>
        _staged.TryGetValue(inode.Id, out var staged)
            ? inode.Attributes with { Size = staged.Size, Metadata = staged.Manifest.Metadata }
            : inode.Attributes;

    private (Inode Directory, string Name, string Path) NewName(ulong parent, FuseName name)
    {
        if (_options.ReadOnly) throw new FuseException(Errno.EROFS);
        return ExistingName(parent, name);
    }

    private (Inode Directory, string Name, string Path) ExistingName(ulong parent, FuseName name)
    {
        if (_options.ReadOnly) throw new FuseException(Errno.EROFS);
        var directory = DirectoryNode(parent);
        if (name.Length > KeyNames.NameMax) throw new FuseException(Errno.ENAMETOOLONG);
        string childName = name.ToString();
        if (KeyNames.Invalid(childName) != null) throw new FuseException(Errno.EINVAL);
        return (directory, childName, directory.DirectoryPrefix + childName);
    }

    private FuseEntry Added(Inode directory, string name, string path, EntryAttributes attributes)
    {
        _listings?.Forget(directory.DirectoryPrefix);
        _cache.Add(path, attributes);
        return Remember(directory, name, attributes);
    }

    private void Removed(Inode directory, string name, string path)
    {
        _listings?.Forget(directory.DirectoryPrefix);
        _inodes.Unlink(directory.Id, name);
        _cache.AddMissing(path);
    }

    private async Task DeleteIgnoringMissing(string key, CancellationToken cancellation)
    {
        try
        {
            await _store.DeleteAsync(key, cancellation);
        }
        catch (ObjectStoreException e) when (e.Error == StoreError.NotFound)
        {
        }
        catch (ObjectStoreException e)
        {
            throw ErrnoMapping.ToFuse(e, _log);
        }
    }
}
