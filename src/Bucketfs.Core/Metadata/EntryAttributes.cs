using Bucketfs.ObjectStore;

namespace Bucketfs.Core.Metadata;

public enum EntryKind
{
    File,
    Directory,
    Symlink,
}

/// <summary>What a name stands for, as learnt from a listing or a HEAD; immutable, replaced whole.</summary>
internal sealed record EntryAttributes(EntryKind Kind, long Size, string ETag, DateTimeOffset Mtime)
{
    public static readonly EntryAttributes Directory = new(EntryKind.Directory, 0, "", DateTimeOffset.UnixEpoch);

    /// <summary>s3fs metadata (mode, uid, gid, mtime) when the object was HEADed; null when it came from a listing.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public static EntryAttributes FromObject(ObjectInfo info)
    {
        var metadata = info.Metadata.Count > 0 ? info.Metadata : null;
        var kind = S3fsMetadata.Mode(metadata) is { } mode && (mode & S3fsMetadata.TypeMask) == S3fsMetadata.SymlinkType ? EntryKind.Symlink : EntryKind.File;
        return new(kind, info.Size, info.ETag, info.LastModified) { Metadata = metadata };
    }
}
