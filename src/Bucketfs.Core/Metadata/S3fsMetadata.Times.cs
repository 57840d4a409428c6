using System.Globalization;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Core.Metadata;

/// <summary>
/// s3fs's times: x-amz-meta-mtime, -ctime and -atime as Unix seconds, followed by "." and nine
/// digits of nanoseconds when the time has any. A stat shows each, or the object's Last-Modified
/// where it is missing (whole seconds, as HEAD gives it).
/// </summary>
internal static partial class S3fsMetadata
{
    public const string MtimeName = "mtime";
    public const string CtimeName = "ctime";
    public const string AtimeName = "atime";

    /// <summary>Later than any date DateTimeOffset holds (9999-12-31): such a value is not a time.</summary>
    private const long LatestSeconds = 253402300799;

    public static UnixTime? Mtime(IReadOnlyDictionary<string, string>? metadata) => Time(metadata, MtimeName);

    public static UnixTime? Ctime(IReadOnlyDictionary<string, string>? metadata) => Time(metadata, CtimeName);

    public static UnixTime? Atime(IReadOnlyDictionary<string, string>? metadata) => Time(metadata, AtimeName);

    /// <summary>
    /// A stored time; the digits after the point are a decimal fraction of a second (rclone writes
    /// fewer than nine, s3fs always nine), cut to nanoseconds. Null when absent or unreadable.
    /// </summary>
    public static UnixTime? Time(IReadOnlyDictionary<string, string>? metadata, string name)
    {
        if (metadata is null || !metadata.TryGetValue(name, out var text)) return null;
        int point = text.IndexOf('.');
        string whole = point < 0 ? text : text[..point];
        string fraction = point < 0 ? "" : text[(point + 1)..];
        if (!long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds > LatestSeconds) return null;
        if (fraction.Length == 0) return new UnixTime(seconds, 0);
        string nine = fraction.Length >= 9 ? fraction[..9] : fraction.PadRight(9, '0');
        if (!uint.TryParse(nine, NumberStyles.None, CultureInfo.InvariantCulture, out uint nanoseconds)) return null;
        return new UnixTime(seconds, nanoseconds);
    }

    /// <summary>A time as s3fs writes it: whole seconds alone, or with nine digits of nanoseconds.</summary>
    public static string Format(UnixTime time) =>
        time.Nanoseconds == 0
            ? time.Seconds.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{time.Seconds}.{time.Nanoseconds:D9}");
}
