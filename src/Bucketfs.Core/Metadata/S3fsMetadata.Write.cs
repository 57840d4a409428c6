using System.Globalization;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Core.Metadata;

internal static partial class S3fsMetadata
{
    /// <summary>
    /// Metadata as s3fs writes it, so s3fs mounts see the same owner, mode and times. Every write of
    /// metadata is a change of the inode, so ctime is now; atime is <paramref name="atime"/>, else
    /// what the object kept, else the new mtime (a new object's).
    /// </summary>
    public static Dictionary<string, string> For(uint mode, uint uid, uint gid, UnixTime mtime, IReadOnlyDictionary<string, string>? existing = null, UnixTime? atime = null)
    {
        var metadata = existing is null ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) : new Dictionary<string, string>(existing, StringComparer.OrdinalIgnoreCase);
        metadata["mode"] = mode.ToString(CultureInfo.InvariantCulture);
        metadata["uid"] = uid.ToString(CultureInfo.InvariantCulture);
        metadata["gid"] = gid.ToString(CultureInfo.InvariantCulture);
        metadata[MtimeName] = Format(mtime);
        metadata[AtimeName] = Format(atime ?? Atime(existing) ?? mtime);
        Changed(metadata);
        return metadata;
    }

    /// <summary>The inode changed now (its metadata, its name, its data): s3fs's x-amz-meta-ctime.</summary>
    public static void Changed(Dictionary<string, string> metadata) => metadata[CtimeName] = Format(UnixTime.Now);
}
