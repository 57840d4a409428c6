using System.Globalization;

namespace Bucketfs.Core.Metadata;

/// <summary>
/// s3fs's x-amz-meta-* conventions, so objects written by s3fs look the same here: mode, uid and
/// gid as decimal numbers, mtime as Unix seconds (optionally with a fraction).
/// </summary>
internal static partial class S3fsMetadata
{
    public const uint TypeMask = 0xF000;
    public const uint SymlinkType = 0xA000;
    public const uint DirectoryType = 0x4000;
    public const uint RegularType = 0x8000;

    public static uint? Mode(IReadOnlyDictionary<string, string>? metadata) => Number(metadata, "mode");

    public static uint? Uid(IReadOnlyDictionary<string, string>? metadata) => Number(metadata, "uid");

    public static uint? Gid(IReadOnlyDictionary<string, string>? metadata) => Number(metadata, "gid");

    public static DateTimeOffset? Mtime(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue("mtime", out var text)) return null;
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)) return null;
        if (seconds > 253402300799m) return null;
        return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }

    private static uint? Number(IReadOnlyDictionary<string, string>? metadata, string name) =>
        metadata != null && metadata.TryGetValue(name, out var text) && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint value)
            ? value
            : null;
}
