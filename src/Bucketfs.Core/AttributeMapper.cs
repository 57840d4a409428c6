using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Core;

/// <summary>Turns what the bucket says about a name into stat(2) attributes, honouring s3fs metadata.</summary>
internal sealed class AttributeMapper(FilesystemOptions options)
{
    private const uint PermissionMask = 0xFFF;
    private readonly UnixTime _mountTime = UnixTime.Now;

    public FuseAttr Map(Inode node) => Map(node.Id, node.Attributes);

    public FuseAttr Map(ulong id, EntryAttributes a)
    {
        var metadata = a.Metadata;
        uint type = a.Kind switch
        {
            EntryKind.Directory => S3fsMetadata.DirectoryType,
            EntryKind.Symlink => S3fsMetadata.SymlinkType,
            // Only a stored mode makes an entry special, so it has the type bits.
            EntryKind.Special => (S3fsMetadata.Mode(metadata) ?? 0) & S3fsMetadata.TypeMask,
            _ => S3fsMetadata.RegularType,
        };
        uint defaultPermissions = a.Kind switch
        {
            EntryKind.Directory => options.DirectoryMode,
            EntryKind.Symlink => 0x1FF,
            _ => options.FileMode,
        };
        if (id == InodeTable.RootId && options.RootPermissions is { } root) defaultPermissions = root;
        uint permissions = (S3fsMetadata.Mode(metadata) ?? defaultPermissions) & PermissionMask;
        if (options.ForcedPermissions is { } forced && a.Kind != EntryKind.Symlink) permissions = forced;
        // As s3fs: each time as stored, else the object's Last-Modified in whole seconds (all HEAD
        // tells, so a listing and a lookup of one version agree); a directory without a
        // marker has none, and shows the mount's start so that it does not change while mounted.
        var lastModified = a.Kind == EntryKind.Directory ? _mountTime : UnixTime.FromDateTimeOffset(a.Mtime) with { Nanoseconds = 0 };
        long size = a.Kind == EntryKind.Directory ? 4096 : a.Size;
        var attr = new FuseAttr
        {
            Ino = id,
            Size = (ulong)size,
            Blocks = (ulong)(size + 511) / 512,
            Mode = type | permissions,
            Nlink = a.Kind == EntryKind.Directory ? 2u : 1u,
            Uid = options.ForcedUid ?? S3fsMetadata.Uid(metadata) ?? options.Uid,
            Gid = options.ForcedGid ?? S3fsMetadata.Gid(metadata) ?? options.Gid,
            Rdev = a.Kind == EntryKind.Special ? S3fsMetadata.Rdev(metadata) ?? 0 : 0,
            // stat's st_blksize sizes the buffers of cp and friends: large buffers mean fewer requests.
            BlkSize = 1 << 20,
        };
        attr.SetMtime(S3fsMetadata.Mtime(metadata) ?? lastModified);
        attr.SetCtime(S3fsMetadata.Ctime(metadata) ?? lastModified);
        attr.SetAtime(S3fsMetadata.Atime(metadata) ?? lastModified);
        return attr;
    }
}
