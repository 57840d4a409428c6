using Bucketfs.Core.Metadata;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;
using Bucketfs.ObjectStore;

namespace Bucketfs.Core;

/// <summary>
/// user.* extended attributes, stored in s3fs's x-amz-meta-xattr, when enabled (as s3fs's
/// use_xattr). Other namespaces (security.*, system.*) are asked for on every write and by ls;
/// they are answered at once, never from the store.
/// </summary>
public sealed partial class BucketFileSystem
{
    private const int XattrCreate = 1, XattrReplace = 2;
    private const string UserNamespace = "user.";

    public ValueTask GetXattr(FuseRequest request, ulong node, FuseName name, int size)
    {
        if (!_options.Xattrs) return request.ReplyNotImplemented();
        // Asked on every write (security.capability) and by ls (system.posix_acl_*): answered without an exception or a string.
        if (!name.Span.StartsWith("user."u8)) return request.ReplyError(Errno.ENODATA);
        return GetUserXattr(request, node, name.ToString(), size);
    }

    private async ValueTask GetUserXattr(FuseRequest request, ulong node, string key, int size)
    {
        var xattrs = S3fsXattrs.Parse(await MetadataOf(Node(node), request.CancellationToken));
        if (!xattrs.TryGetValue(key, out var value)) throw new FuseException(Errno.ENODATA);
        if (size == 0) await request.ReplyXattrSize(value.Length);
        else if (size < value.Length) throw new FuseException(Errno.ERANGE);
        else await request.ReplyData(value);
    }

    public async ValueTask ListXattr(FuseRequest request, ulong node, int size)
    {
        if (!_options.Xattrs) throw new FuseException(Errno.ENOSYS);
        var xattrs = S3fsXattrs.Parse(await MetadataOf(Node(node), request.CancellationToken));
        var names = System.Text.Encoding.UTF8.GetBytes(string.Concat(xattrs.Keys.Select(k => k + "\0")));
        if (size == 0) await request.ReplyXattrSize(names.Length);
        else if (size < names.Length) throw new FuseException(Errno.ERANGE);
        else await request.ReplyData(names);
    }

    public async ValueTask SetXattr(FuseRequest request, ulong node, FuseName name, FuseData value, int flags)
    {
        if (!_options.Xattrs) throw new FuseException(Errno.ENOSYS);
        string key = name.ToString();
        byte[] bytes = value.Span.ToArray();
        if (!key.StartsWith(UserNamespace, StringComparison.Ordinal)) throw new FuseException(Errno.EOPNOTSUPP);
        await ChangeXattrs(Node(node), request, xattrs =>
        {
            bool exists = xattrs.ContainsKey(key);
            if ((flags & XattrCreate) != 0 && exists) throw new FuseException(Errno.EEXIST);
            if ((flags & XattrReplace) != 0 && !exists) throw new FuseException(Errno.ENODATA);
            xattrs[key] = bytes;
        });
    }

    public async ValueTask RemoveXattr(FuseRequest request, ulong node, FuseName name)
    {
        if (!_options.Xattrs) throw new FuseException(Errno.ENOSYS);
        string key = name.ToString();
        await ChangeXattrs(Node(node), request, xattrs =>
        {
            if (!xattrs.Remove(key)) throw new FuseException(Errno.ENODATA);
        });
    }

    private async Task ChangeXattrs(Namespace.Inode inode, FuseRequest request, Action<SortedDictionary<string, byte[]>> change)
    {
        if (_options.ReadOnly) throw new FuseException(Errno.EROFS);
        var cancellation = request.CancellationToken;
        Dictionary<string, string> Changed(IReadOnlyDictionary<string, string>? metadata)
        {
            var xattrs = S3fsXattrs.Parse(metadata);
            change(xattrs);
            return S3fsXattrs.With(metadata, xattrs);
        }
        // The staged copy is changed under its gate: the last close may be uploading and discarding it.
        if (!await ChangeStaged(inode, Changed, explicitMtime: false, cancellation))
            await StoreMetadata(inode, Changed(await MetadataOf(inode, cancellation)), cancellation);
        await request.ReplyOk();
    }

    /// <summary>The node's x-amz-meta-* as the store has them now (a HEAD unless a fresh one is cached).</summary>
    private async Task<IReadOnlyDictionary<string, string>?> MetadataOf(Namespace.Inode inode, CancellationToken cancellation)
    {
        if (_staged.TryGetValue(inode.Id, out var staged)) return staged.Manifest.Metadata;
        if (_cache.TryGet(inode.Path, out var cached) && cached?.Metadata != null) return cached.Metadata;
        string key = inode.Kind == EntryKind.Directory ? inode.Path + "/" : inode.Path;
        var info = await Store(() => _store.HeadAsync(key, cancellation));
        return info?.Metadata;
    }
}
