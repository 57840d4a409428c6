using System.Text;

namespace Bucketfs.Core.Namespace;

/// <summary>What a key segment may be as a file name, and the marker conventions of S3 tools.</summary>
internal static class KeyNames
{
    public const int NameMax = 255;

    /// <summary>s3fs's legacy directory marker: "dir_$folder$" stands for "dir/".</summary>
    public const string LegacyFolderSuffix = "_$folder$";

    /// <summary>Why a segment cannot be a file name, or null when it can.</summary>
    public static string? Invalid(string segment)
    {
        if (segment.Length == 0) return "empty name (from '//')";
        if (segment is "." or "..") return $"'{segment}' is reserved";
        if (segment.Contains('\0')) return "contains NUL";
        if (Encoding.UTF8.GetByteCount(segment) > NameMax) return $"longer than {NameMax} bytes";
        return null;
    }
}
