using System.Globalization;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Core.Metadata;

internal static partial class S3fsMetadata
{
    /// <summary>Metadata as s3fs writes it, so s3fs mounts see the same owner, mode and time.</summary>
    public static Dictionary<string, string> For(uint mode, uint uid, uint gid, UnixTime mtime, IReadOnlyDictionary<string, string>? existing = null)
    {
        var metadata = existing is null ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) : new Dictionary<string, string>(existing, StringComparer.OrdinalIgnoreCase);
        metadata["mode"] = mode.ToString(CultureInfo.InvariantCulture);
        metadata["uid"] = uid.ToString(CultureInfo.InvariantCulture);
        metadata["gid"] = gid.ToString(CultureInfo.InvariantCulture);
        metadata["mtime"] = mtime.Seconds.ToString(CultureInfo.InvariantCulture);
        return metadata;
    }
}
