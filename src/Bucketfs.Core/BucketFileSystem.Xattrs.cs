using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;

namespace Bucketfs.Core;

/// <summary>
/// user.* extended attributes, stored in s3fs's x-amz-meta-xattr, when enabled (as s3fs's
/// use_xattr). Other namespaces (security.*, system.*) have none here and cannot be set.
/// </summary>
public sealed partial class BucketFileSystem
{
    private const int XattrCreate = 1, XattrReplace = 2;
    private const string UserNamespace = "user.";

    /// <summary>Whether extended attributes are served at all; off, every xattr request is answered "not implemented".</summary>
    internal bool XattrsEnabled => _options.Xattrs;

    internal async Task<byte[]> GetXattrAsync(ulong node, string name, CancellationToken cancellation)
    {
        RequireXattrs();
        var xattrs = S3fsXattrs.Parse(await MetadataOf(_names.Node(node), cancellation));
        return xattrs.TryGetValue(name, out var value) ? value : throw new FileSystemException(FileSystemError.NoAttribute);
    }

    /// <summary>The names, each followed by NUL, as listxattr(2) returns them.</summary>
    internal async Task<byte[]> ListXattrsAsync(ulong node, CancellationToken cancellation)
    {
        RequireXattrs();
        var xattrs = S3fsXattrs.Parse(await MetadataOf(_names.Node(node), cancellation));
        return System.Text.Encoding.UTF8.GetBytes(string.Concat(xattrs.Keys.Select(k => k + "\0")));
    }

    internal Task SetXattrAsync(ulong node, string name, byte[] value, int flags, CancellationToken cancellation)
    {
        RequireXattrs();
        if (!name.StartsWith(UserNamespace, StringComparison.Ordinal)) throw new FileSystemException(FileSystemError.NotSupported);
        return ChangeXattrs(_names.Node(node), xattrs =>
        {
            bool exists = xattrs.ContainsKey(name);
            if ((flags & XattrCreate) != 0 && exists) throw new FileSystemException(FileSystemError.Exists);
            if ((flags & XattrReplace) != 0 && !exists) throw new FileSystemException(FileSystemError.NoAttribute);
            xattrs[name] = value;
        }, cancellation);
    }

    internal Task RemoveXattrAsync(ulong node, string name, CancellationToken cancellation)
    {
        RequireXattrs();
        return ChangeXattrs(_names.Node(node), xattrs =>
        {
            if (!xattrs.Remove(name)) throw new FileSystemException(FileSystemError.NoAttribute);
        }, cancellation);
    }

    private void RequireXattrs()
    {
        if (!_options.Xattrs) throw new FileSystemException(FileSystemError.NotImplemented);
    }

    private async Task ChangeXattrs(Inode inode, Action<SortedDictionary<string, byte[]>> change, CancellationToken cancellation)
    {
        if (_options.ReadOnly) throw new FileSystemException(FileSystemError.ReadOnly);
        Dictionary<string, string> Changed(IReadOnlyDictionary<string, string>? metadata)
        {
            var xattrs = S3fsXattrs.Parse(metadata);
            change(xattrs);
            var changed = S3fsXattrs.With(metadata, xattrs);
            S3fsMetadata.Changed(changed);
            return changed;
        }
        // The staged copy is changed under its gate: the last close may be uploading and discarding it.
        if (!await _staging.ChangeMetadataAsync(inode, Changed, explicitMtime: false, cancellation))
            await StoreMetadata(inode, Changed(await MetadataOf(inode, cancellation)), cancellation);
    }

    /// <summary>The node's x-amz-meta-* as the store has them now (a HEAD unless a fresh one is cached).</summary>
    private async Task<IReadOnlyDictionary<string, string>?> MetadataOf(Inode inode, CancellationToken cancellation)
    {
        if (_staging.Metadata(inode.Id) is { } staged) return staged;
        if (inode.Id == InodeTable.RootId) return inode.Attributes.Metadata;
        if (_names.FreshMetadata(inode.Path) is { } cached) return cached;
        string key = inode.Kind == EntryKind.Directory ? inode.Path + "/" : inode.Path;
        var info = await _store.HeadAsync(key, cancellation);
        return info?.Metadata;
    }
}
