using Bucketfs.ObjectStore.Metadata;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// A file of one side as its listing shows it. <see cref="Key"/> is relative to the side's root,
/// with '/' between folders; a folder's ends in '/' (a store's "dir/" marker, an empty local
/// folder). <see cref="Modified"/> is the file's own time where the listing has it (a local file);
/// a store listing has only Last-Modified, and <see cref="ModifiedIsExact"/> says whether the s3fs
/// mtime still has to be asked for.
/// </summary>
public sealed record TransferEntry(string Key, long Size, DateTimeOffset Modified, string? ETag)
{
    public bool ModifiedIsExact { get; init; } = true;

    /// <summary>Permission and type bits as stat shows them, when the side knows them.</summary>
    public uint? Mode { get; init; }

    /// <summary>Owner and group, when the side knows them (a local file's, a store object's s3fs uid and gid).</summary>
    public uint? Uid { get; init; }

    public uint? Gid { get; init; }

    /// <summary>x-amz-meta-* of a store object, when read (HEAD, GET); a copy to a store keeps them.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = ObjectInfo.EmptyMetadata;

    public string? ContentType { get; init; }

    public bool IsFolder => IsFolderKey(Key);

    /// <summary>A symbolic link, whose bytes are its target (as s3fs stores one).</summary>
    public bool IsSymlink => (Mode & S3fsHeaders.TypeMask) == S3fsHeaders.SymlinkType;

    public static bool IsFolderKey(string key) => key.EndsWith('/');
}
