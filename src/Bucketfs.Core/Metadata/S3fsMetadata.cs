using System.Globalization;

namespace Bucketfs.Core.Metadata;

/// <summary>
/// s3fs's x-amz-meta-* conventions, so objects written by s3fs look the same here: mode, uid and
/// gid as decimal numbers; times in S3fsMetadata.Times.
/// </summary>
internal static partial class S3fsMetadata
{
    public const uint TypeMask = 0xF000;
    public const uint SymlinkType = 0xA000;
    public const uint DirectoryType = 0x4000;
    public const uint RegularType = 0x8000;

    /// <summary>The Content-Type of the directory markers s3fs makes.</summary>
    public const string DirectoryContentType = "application/x-directory";

    public static uint? Mode(IReadOnlyDictionary<string, string>? metadata) => Number(metadata, "mode");

    public static uint? Uid(IReadOnlyDictionary<string, string>? metadata) => Number(metadata, "uid");

    public static uint? Gid(IReadOnlyDictionary<string, string>? metadata) => Number(metadata, "gid");

    private static uint? Number(IReadOnlyDictionary<string, string>? metadata, string name) =>
        metadata != null && metadata.TryGetValue(name, out var text) && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint value)
            ? value
            : null;
}
