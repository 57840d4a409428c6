using Bucketfs.ObjectStore;

namespace Bucketfs.Core.Metadata;

public enum EntryKind
{
    File,
    Directory,
    Symlink,
    /// <summary>A FIFO, socket or device node: an empty object whose s3fs mode holds its type (and x-amz-meta-rdev its device).</summary>
    Special,
}

/// <summary>What a name stands for, as learnt from a listing or a HEAD; immutable, replaced whole.</summary>
internal sealed record EntryAttributes(EntryKind Kind, long Size, string ETag, DateTimeOffset Mtime)
{
    public static readonly EntryAttributes Directory = new(EntryKind.Directory, 0, "", DateTimeOffset.UnixEpoch);

    /// <summary>x-amz-meta-* (s3fs's mode, uid, gid, mtime) when the object's headers were read (empty if it has none); null when it came from a listing.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>An object as its headers (HEAD, GET) describe it, x-amz-meta-* included (an empty set when it has none).</summary>
    public static EntryAttributes FromObject(ObjectInfo info)
    {
        var kind = S3fsMetadata.Mode(info.Metadata) is { } mode ? S3fsMetadata.KindOf(mode) : EntryKind.File;
        return new(kind, info.Size, info.ETag, info.LastModified) { Metadata = info.Metadata };
    }

    /// <summary>
    /// Whether a listing's <paramref name="listed"/> is the version these headers describe: the same
    /// ETag and size; or, for a multipart object, whose ETag a listing may give otherwise than a HEAD
    /// (Swift's s3api), the same size and Last-Modified second. Data is still read with If-Match on
    /// the HEAD's ETag, so a wrong guess fails a read, never mixes versions.
    /// </summary>
    public bool SameVersion(EntryAttributes listed) =>
        Size == listed.Size
        && (ETag == listed.ETag
            || (ETag.Contains('-') || listed.ETag.Contains('-')) && Mtime.ToUnixTimeSeconds() == listed.Mtime.ToUnixTimeSeconds());

    /// <summary>An object as a listing shows it: no metadata, so null until its headers are known.</summary>
    public static EntryAttributes FromListing(ObjectInfo info) => new(EntryKind.File, info.Size, info.ETag, info.LastModified);
}
