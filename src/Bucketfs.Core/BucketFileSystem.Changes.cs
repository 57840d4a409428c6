using System.Text;
using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.Core.Write;
using Bucketfs.Core.Handles;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core;

/// <summary>Changes to names and attributes, stored as s3fs stores them so both tools agree on the bucket.</summary>
public sealed partial class BucketFileSystem
{
    private const uint RenameNoReplace = 1;
    private const uint PermissionBits = 0xFFF;

    /// <summary>Creates an empty file and opens it; it reaches the bucket when written and closed.</summary>
    internal async Task<(NodeEntry Entry, ulong Handle)> CreateAsync(ulong parent, string name, uint mode, Caller caller, CancellationToken cancellation)
    {
        var (directory, path) = ExistingName(parent, name);
        var metadata = S3fsMetadata.For(S3fsMetadata.RegularType | (mode & PermissionBits), caller.Uid, caller.Gid, UnixTime.Now);
        var attributes = new EntryAttributes(EntryKind.File, 0, "", DateTimeOffset.UtcNow) { Metadata = metadata };
        var (node, entry) = _names.Added(directory, name, attributes);
        var staged = _staging.Create(node, metadata);
        await ServeAsync(node, cancellation);
        return (entry, AddHandle(new StagedHandle(node, staged)));
    }

    /// <summary>mknod(2): a regular file, or a FIFO, socket or device node in s3fs's object form (see S3fsMetadata.Special).</summary>
    internal async Task<NodeEntry> MakeNodeAsync(ulong parent, string name, uint mode, uint rdev, Caller caller, CancellationToken cancellation)
    {
        var kind = S3fsMetadata.KindOf(mode);
        // The kernel sends directories and symlinks their own requests; no other type has an object form.
        if (kind == EntryKind.Symlink || kind == EntryKind.File && (mode & S3fsMetadata.TypeMask) != S3fsMetadata.RegularType)
            throw new FileSystemException(FileSystemError.NotPermitted);
        var (directory, path) = ExistingName(parent, name);
        var metadata = kind == EntryKind.Special
            ? S3fsMetadata.ForSpecial(mode, rdev, caller.Uid, caller.Gid, UnixTime.Now)
            : S3fsMetadata.For(mode, caller.Uid, caller.Gid, UnixTime.Now);
        string etag = await _store.PutAsync(path, ReadOnlyMemory<byte>.Empty, new ObjectAttributes(metadata, MimeTypes.For(path, MimeTypes.Of(_options.MimeTypesFile))), cancellation);
        return _names.Added(directory, name, new EntryAttributes(kind, 0, etag, DateTimeOffset.UtcNow) { Metadata = metadata }).Entry;
    }

    internal async Task<NodeEntry> MakeDirectoryAsync(ulong parent, string name, uint mode, Caller caller, CancellationToken cancellation)
    {
        var (directory, path) = ExistingName(parent, name);
        _store.Limits.RequireKeyFits(path, "/");
        var metadata = S3fsMetadata.For(S3fsMetadata.DirectoryType | (mode & PermissionBits), caller.Uid, caller.Gid, UnixTime.Now);
        await _store.PutAsync(path + "/", ReadOnlyMemory<byte>.Empty, new ObjectAttributes(metadata, S3fsMetadata.DirectoryContentType), cancellation);
        _names.MadeEmpty(path);
        return _names.Added(directory, name, EntryAttributes.Directory with { Metadata = metadata }).Entry;
    }

    internal async Task<NodeEntry> SymlinkAsync(ulong parent, string name, byte[] target, Caller caller, CancellationToken cancellation)
    {
        var (directory, path) = ExistingName(parent, name);
        var metadata = S3fsMetadata.For(S3fsMetadata.SymlinkType | 0x1FF, caller.Uid, caller.Gid, UnixTime.Now);
        string etag = await _store.PutAsync(path, target, new ObjectAttributes(metadata, MimeTypes.For(path, MimeTypes.Of(_options.MimeTypesFile))), cancellation);
        return _names.Added(directory, name, new EntryAttributes(EntryKind.Symlink, target.Length, etag, DateTimeOffset.UtcNow) { Metadata = metadata }).Entry;
    }

    internal async Task UnlinkAsync(ulong parent, string name, CancellationToken cancellation)
    {
        var (directory, path) = ExistingName(parent, name);
        var child = _names.Child(directory.Id, name);
        if (child is { Kind: EntryKind.Directory }) throw new FileSystemException(FileSystemError.IsDirectory);
        // A file created here and never uploaded has no object to delete.
        bool stored = child is null || await _staging.UnlinkAsync(child);
        if (stored) await DeleteIgnoringMissing(path, cancellation);
        _names.Removed(directory, name);
    }

    internal async Task RemoveDirectoryAsync(ulong parent, string name, CancellationToken cancellation)
    {
        var (directory, path) = ExistingName(parent, name);
        var below = await _store.ListAsync(path + "/", null, null, 2, cancellation);
        if (below.Objects.Any(o => o.Key != path + "/") || below.CommonPrefixes.Count > 0) throw new FileSystemException(FileSystemError.NotEmpty);
        if (below.Objects.Count == 0 && await _names.ResolveAsync(path, cancellation) is not { Kind: EntryKind.Directory })
            throw new FileSystemException(FileSystemError.NotDirectory);
        await DeleteIgnoringMissing(path + "/", cancellation);
        if (_store.Limits.MayHaveLegacyMarker(path)) await DeleteIgnoringMissing(path + KeyNames.LegacyFolderSuffix, cancellation);
        _names.Removed(directory, name);
    }

    /// <summary>rename(2) and RENAME_NOREPLACE; a file's data is copied server-side, a directory key by key.</summary>
    internal async Task RenameAsync(ulong parent, string name, ulong newParent, string newName, uint flags, CancellationToken cancellation)
    {
        if (_options.ReadOnly) throw new FileSystemException(FileSystemError.ReadOnly);
        if ((flags & ~RenameNoReplace) != 0) throw new FileSystemException(FileSystemError.InvalidArgument);
        var (from, fromPath) = ExistingName(parent, name);
        var (to, toPath) = ExistingName(newParent, newName);
        var source = await _names.ResolveAsync(fromPath, cancellation) ?? throw new FileSystemException(FileSystemError.NotFound);
        var target = await _names.ResolveAsync(toPath, cancellation);
        if (target != null)
        {
            if ((flags & RenameNoReplace) != 0) throw new FileSystemException(FileSystemError.Exists);
            if (source.Kind == EntryKind.Directory && target.Kind != EntryKind.Directory) throw new FileSystemException(FileSystemError.NotDirectory);
            if (source.Kind != EntryKind.Directory && target.Kind == EntryKind.Directory) throw new FileSystemException(FileSystemError.IsDirectory);
        }
        bool directory = source.Kind == EntryKind.Directory;
        // A file replaced while open keeps its data for its handles, as if unlinked: none of it may be stored over the new one.
        var replaced = target != null && !directory && _names.Child(to.Id, newName) is { } node && node != _names.Child(from.Id, name) ? node : null;
        bool suspended = replaced != null && await _staging.SuspendAsync(replaced);
        _names.Renaming(from, to, directory);
        EntryAttributes? moved;
        try
        {
            if (directory)
            {
                await _staging.RenameBelowAsync(fromPath + "/", toPath + "/", cancellation);
                await RenameDirectory(fromPath, toPath, target != null, cancellation);
                // The marker's copy has a new ctime: a lookup reads it.
                moved = null;
            }
            else
            {
                moved = await RenameFile(from, name, fromPath, toPath, source, target != null, cancellation);
            }
        }
        catch
        {
            if (suspended) _staging.Resume(replaced!);
            throw;
        }
        if (suspended) await _staging.UnlinkAsync(replaced!);
        _names.Renamed(from, name, to, newName, moved, directory);
    }

    /// <summary>
    /// Moves a file's object (or its staged copy); returns what the new name holds when it is known
    /// (a copy keeps the metadata). Should the old name's delete fail, a copy to a new name is taken
    /// back, so the rename fails whole; a replaced object cannot be given back.
    /// </summary>
    private async Task<EntryAttributes?> RenameFile(Inode from, string fromName, string fromPath, string toPath, EntryAttributes source, bool replacing, CancellationToken cancellation)
    {
        if (_names.Child(from.Id, fromName) is { } child && await _staging.RenameAsync(child, toPath, cancellation)) return null;
        var copy = await CopyObject(fromPath, toPath, cancellation);
        try
        {
            await DeleteIgnoringMissing(fromPath, cancellation);
        }
        catch (ObjectStoreException) when (!replacing)
        {
            await DeleteIgnoringMissing(toPath, CancellationToken.None);
            throw;
        }
        // A time the copy does not store shows its new Last-Modified, which only a HEAD tells.
        bool timesKnown = S3fsMetadata.Mtime(copy.Metadata) != null && S3fsMetadata.Ctime(copy.Metadata) != null && S3fsMetadata.Atime(copy.Metadata) != null;
        return source.Metadata is null || copy.ETag.Length == 0 || copy.Size != source.Size || !timesKnown ? null : source with { ETag = copy.ETag, Metadata = copy.Metadata };
    }

    /// <summary>Every key below the directory is copied (in parallel) and then deleted; bounded by the rename limit.</summary>
    private async Task RenameDirectory(string fromPath, string toPath, bool targetExists, CancellationToken cancellation)
    {
        if (targetExists)
        {
            var inTarget = await _store.ListAsync(toPath + "/", null, null, 2, cancellation);
            if (inTarget.Objects.Any(o => o.Key != toPath + "/")) throw new FileSystemException(FileSystemError.NotEmpty);
        }
        var keys = new List<string>();
        string? continuation = null;
        do
        {
            var page = await _store.ListAsync(fromPath + "/", null, continuation, 1000, cancellation);
            keys.AddRange(page.Objects.Select(o => o.Key));
            if (keys.Count > _options.RenameDirectoryLimit)
                throw new FileSystemException(FileSystemError.CrossDevice, $"Refusing to rename {fromPath}: more than {_options.RenameDirectoryLimit} keys (raise --rename-dir-limit)");
            continuation = page.Continuation;
        }
        while (continuation != null);
        foreach (string key in keys) _store.Limits.RequireKeyFits(toPath + key[fromPath.Length..]);
        if (_store.Limits.MayHaveLegacyMarker(fromPath) && await _store.HeadAsync(fromPath + KeyNames.LegacyFolderSuffix, cancellation) != null) keys.Add(fromPath + KeyNames.LegacyFolderSuffix);

        _log.RenamingDirectory(fromPath, toPath, keys.Count);
        int done = 0;
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellation }, async (key, token) =>
        {
            await CopyObject(key, toPath + key[fromPath.Length..], token);
            if (Interlocked.Increment(ref done) % 1000 == 0) _log.RenameProgress(fromPath, done, keys.Count);
        });
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellation }, async (key, token) => await DeleteIgnoringMissing(key, token));
    }

    /// <summary>
    /// Server-side copy keeping the metadata and Content-Type; above 5 GiB (one CopyObject's
    /// limit) as a multipart copy. An object with metadata gets a new ctime, as s3fs's rename does;
    /// one without stays without (plain data is not made to carry metadata). Returns the size
    /// copied, the copy's ETag and its metadata.
    /// </summary>
    private async Task<(long Size, string ETag, IReadOnlyDictionary<string, string> Metadata)> CopyObject(string from, string to, CancellationToken cancellation)
    {
        const long singleCopyLimit = 5L << 30;
        var info = await _store.HeadAsync(from, cancellation) ?? throw new FileSystemException(FileSystemError.NotFound);
        ObjectAttributes? renamed = null;
        if (info.Metadata.Count > 0)
        {
            var metadata = new Dictionary<string, string>(info.Metadata, StringComparer.OrdinalIgnoreCase);
            S3fsMetadata.Changed(metadata);
            renamed = new ObjectAttributes(metadata, info.ContentType);
        }
        if (info.Size <= singleCopyLimit)
            return (info.Size, await _store.CopyAsync(from, to, renamed, info.ETag, cancellation), renamed?.Metadata ?? info.Metadata);
        long partSize = Uploader.PartSize(info.Size);
        string uploadId = await _store.StartUploadAsync(to, renamed ?? new ObjectAttributes(info.Metadata, info.ContentType), cancellation);
        var parts = new List<UploadedPart>();
        for (long offset = 0; offset < info.Size; offset += partSize)
            parts.Add(await _store.CopyPartAsync(to, uploadId, parts.Count + 1, from, offset, Math.Min(partSize, info.Size - offset), info.ETag, cancellation));
        return (info.Size, await _store.CompleteUploadAsync(to, uploadId, parts, cancellation), renamed?.Metadata ?? info.Metadata);
    }

    /// <summary>truncate, chmod, chown and utimens; returns the attributes after the change.</summary>
    internal async Task<NodeAttr> SetAttributesAsync(ulong node, SetAttrRequest change, CancellationToken cancellation)
    {
        if (_options.ReadOnly) throw new FileSystemException(FileSystemError.ReadOnly);
        var inode = _names.Node(node);
        if (change.Has(SetAttrValid.Size))
        {
            if (inode.Kind == EntryKind.Directory) throw new FileSystemException(FileSystemError.IsDirectory);
            _store.Limits.RequireSizeFits(change.Size, _store.Description);
            await _staging.TruncateAsync(inode, (long)change.Size, cancellation);
        }
        if (change.Has(SetAttrValid.Mode) || change.Has(SetAttrValid.Uid) || change.Has(SetAttrValid.Gid) || change.Has(SetAttrValid.Mtime) || change.Has(SetAttrValid.MtimeNow)
            || change.Has(SetAttrValid.Atime) || change.Has(SetAttrValid.AtimeNow))
            await ChangeMetadata(inode, change, cancellation);
        return _names.Attr(inode);
    }

    /// <summary>chmod, chown and utimens: s3fs's x-amz-meta-* headers, replaced by copying the object onto itself.</summary>
    private async Task ChangeMetadata(Inode inode, SetAttrRequest change, CancellationToken cancellation)
    {
        var attr = _names.Attr(inode).Attr;
        uint mode = change.Has(SetAttrValid.Mode) ? (attr.Mode & S3fsMetadata.TypeMask) | (change.Mode & PermissionBits) : attr.Mode;
        uint uid = change.Has(SetAttrValid.Uid) ? change.Uid : attr.Uid;
        uint gid = change.Has(SetAttrValid.Gid) ? change.Gid : attr.Gid;
        var mtime = change.Has(SetAttrValid.MtimeNow) ? UnixTime.Now : change.Has(SetAttrValid.Mtime) ? change.Mtime : attr.MtimeValue;
        var atime = change.Has(SetAttrValid.AtimeNow) ? UnixTime.Now : change.Has(SetAttrValid.Atime) ? change.Atime : attr.AtimeValue;
        bool explicitMtime = change.Has(SetAttrValid.Mtime) || change.Has(SetAttrValid.MtimeNow);

        if (await _staging.ChangeMetadataAsync(inode, current => S3fsMetadata.For(mode, uid, gid, mtime, current, atime), explicitMtime, cancellation)) return;
        var existing = await MetadataOf(inode, cancellation);
        await StoreMetadata(inode, S3fsMetadata.For(mode, uid, gid, mtime, existing, atime), cancellation);
    }

    /// <summary>
    /// Replaces a node's x-amz-meta-* in the store by copying its object onto itself, keeping its
    /// Content-Type; a directory's marker likewise (created if implicit, as s3fs does). The copy
    /// gets a new Last-Modified, so a time the object did not store is stored as it showed.
    /// </summary>
    private async Task StoreMetadata(Inode inode, Dictionary<string, string> metadata, CancellationToken cancellation)
    {
        var shown = _names.Attr(inode).Attr;
        metadata.TryAdd(S3fsMetadata.MtimeName, S3fsMetadata.Format(shown.MtimeValue));
        metadata.TryAdd(S3fsMetadata.AtimeName, S3fsMetadata.Format(shown.AtimeValue));
        // The mount's root has no object (s3fs keeps such changes nowhere): they are kept in the mount, for its life.
        if (inode.Id == InodeTable.RootId)
        {
            _names.Updated(inode, EntryAttributes.Directory with { Metadata = metadata });
            return;
        }
        if (inode.Kind == EntryKind.Directory)
        {
            string marker = inode.Path + "/";
            await _markerWrites.WaitAsync(cancellation);
            try
            {
                if (await _store.HeadAsync(marker, cancellation) is { } existing)
                    await _store.CopyAsync(marker, marker, new ObjectAttributes(metadata, existing.ContentType), existing.ETag, cancellation);
                else
                    await _store.PutAsync(marker, ReadOnlyMemory<byte>.Empty, new ObjectAttributes(metadata, S3fsMetadata.DirectoryContentType), cancellation);
                // Inside the lock: MarkerTimes reads the times shown to decide what to store.
                _names.Updated(inode, EntryAttributes.Directory with { Metadata = metadata });
            }
            finally
            {
                _markerWrites.Release();
            }
            return;
        }
        var head = await _store.HeadAsync(inode.Path, cancellation) ?? throw new FileSystemException(FileSystemError.NotFound);
        string etag = await _store.CopyAsync(inode.Path, inode.Path, new ObjectAttributes(metadata, head.ContentType), head.ETag, cancellation);
        var current = EntryAttributes.FromObject(head);
        _names.Updated(inode, current with { ETag = etag.Length > 0 ? etag : current.ETag, Metadata = metadata });
    }

    /// <summary>
    /// Keeps the times the directory at <paramref name="path"/> shows since this mount changed its
    /// entries in its marker, with the marker's other headers; a directory without a marker, or
    /// whose marker has them already, is left as it is.
    /// </summary>
    private async Task StoreDirectoryTimes(string path, CancellationToken cancellation)
    {
        string marker = path + "/";
        await _markerWrites.WaitAsync(cancellation);
        try
        {
            if (_names.ShownTimes(path) is not { } shown || await _store.HeadAsync(marker, cancellation) is not { } existing) return;
            string mtime = S3fsMetadata.Format(shown.Mtime);
            if (existing.Metadata.TryGetValue(S3fsMetadata.MtimeName, out string? stored) && stored == mtime) return;
            var metadata = new Dictionary<string, string>(existing.Metadata, StringComparer.OrdinalIgnoreCase)
            {
                [S3fsMetadata.MtimeName] = mtime,
                [S3fsMetadata.CtimeName] = S3fsMetadata.Format(shown.Ctime),
            };
            await _store.CopyAsync(marker, marker, new ObjectAttributes(metadata, existing.ContentType), existing.ETag, cancellation);
            _names.TimesKept(path, EntryAttributes.Directory with { Metadata = metadata });
        }
        finally
        {
            _markerWrites.Release();
        }
    }

    private (Inode Directory, string Path) ExistingName(ulong parent, string name)
    {
        if (_options.ReadOnly) throw new FileSystemException(FileSystemError.ReadOnly);
        var directory = _names.DirectoryNode(parent);
        if (Encoding.UTF8.GetByteCount(name) > KeyNames.NameMax) throw new FileSystemException(FileSystemError.NameTooLong);
        if (KeyNames.Invalid(name) != null) throw new FileSystemException(FileSystemError.InvalidArgument);
        string path = directory.DirectoryPrefix + name;
        _store.Limits.RequireKeyFits(path);
        return (directory, path);
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
    }
}
