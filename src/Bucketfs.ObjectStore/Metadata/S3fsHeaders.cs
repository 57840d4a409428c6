using System.Globalization;

namespace Bucketfs.ObjectStore.Metadata;

/// <summary>
/// The x-amz-meta-* names and value forms s3fs uses (and bucketfs mounts read): mode, uid and gid
/// as decimal numbers; mtime, ctime and atime as Unix seconds, followed by "." and nine digits of
/// nanoseconds when the time has any. Here so the mount and the copy engine write the same headers.
/// </summary>
public static class S3fsHeaders
{
    public const string Mode = "mode";
    public const string Uid = "uid";
    public const string Gid = "gid";
    public const string Mtime = "mtime";
    public const string Ctime = "ctime";
    public const string Atime = "atime";

    /// <summary>The file type bits of a mode, and those of the types a copy keeps.</summary>
    public const uint TypeMask = 0xF000;
    public const uint RegularType = 0x8000;
    public const uint DirectoryType = 0x4000;
    /// <summary>A symbolic link: s3fs stores it as an object whose body is the target.</summary>
    public const uint SymlinkType = 0xA000;

    /// <summary>The Content-Type of the directory markers ("dir/") s3fs and the mount make.</summary>
    public const string DirectoryContentType = "application/x-directory";

    /// <summary>Later than any date DateTimeOffset holds (9999-12-31): such a value is not a time.</summary>
    private const long LatestSeconds = 253402300799;

    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    public static uint? Number(IReadOnlyDictionary<string, string>? metadata, string name) =>
        metadata != null && metadata.TryGetValue(name, out var text) && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint value)
            ? value
            : null;

    /// <summary>
    /// A stored time as seconds and nanoseconds; the digits after the point are a decimal fraction
    /// of a second (rclone writes fewer than nine, s3fs always nine), cut to nanoseconds. Null when unreadable.
    /// </summary>
    public static (long Seconds, uint Nanoseconds)? ParseTime(string text)
    {
        int point = text.IndexOf('.');
        string whole = point < 0 ? text : text[..point];
        string fraction = point < 0 ? "" : text[(point + 1)..];
        if (!long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds > LatestSeconds) return null;
        if (fraction.Length == 0) return (seconds, 0);
        string nine = fraction.Length >= 9 ? fraction[..9] : fraction.PadRight(9, '0');
        if (!uint.TryParse(nine, NumberStyles.None, CultureInfo.InvariantCulture, out uint nanoseconds)) return null;
        return (seconds, nanoseconds);
    }

    /// <summary>A time as s3fs writes it: whole seconds alone, or with nine digits of nanoseconds.</summary>
    public static string FormatTime(long seconds, uint nanoseconds) =>
        nanoseconds == 0
            ? seconds.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{seconds}.{nanoseconds:D9}");

    /// <summary>A stored time as a date (to its 100 ns ticks), or null when absent or unreadable.</summary>
    public static DateTimeOffset? Time(IReadOnlyDictionary<string, string>? metadata, string name)
    {
        if (metadata is null || !metadata.TryGetValue(name, out var text) || ParseTime(text) is not var (seconds, nanoseconds)) return null;
        return new DateTimeOffset(UnixEpochTicks + seconds * TimeSpan.TicksPerSecond + nanoseconds / 100, TimeSpan.Zero);
    }

    /// <summary>A date as s3fs writes a time.</summary>
    public static string FormatTime(DateTimeOffset time)
    {
        long seconds = Math.DivRem(time.UtcTicks - UnixEpochTicks, TimeSpan.TicksPerSecond, out long rest);
        if (rest < 0) { seconds--; rest += TimeSpan.TicksPerSecond; }
        return FormatTime(seconds, (uint)(rest * 100));
    }
}
