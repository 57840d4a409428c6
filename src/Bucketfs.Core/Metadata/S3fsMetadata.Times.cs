using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Core.Metadata;

/// <summary>
/// s3fs's times (see <see cref="S3fsHeaders"/>): a stat shows each, or the object's Last-Modified
/// where it is missing (whole seconds, as HEAD gives it).
/// </summary>
internal static partial class S3fsMetadata
{
    public const string MtimeName = S3fsHeaders.Mtime;
    public const string CtimeName = S3fsHeaders.Ctime;
    public const string AtimeName = S3fsHeaders.Atime;

    public static UnixTime? Mtime(IReadOnlyDictionary<string, string>? metadata) => Time(metadata, MtimeName);

    public static UnixTime? Ctime(IReadOnlyDictionary<string, string>? metadata) => Time(metadata, CtimeName);

    public static UnixTime? Atime(IReadOnlyDictionary<string, string>? metadata) => Time(metadata, AtimeName);

    /// <summary>A stored time, null when absent or unreadable.</summary>
    public static UnixTime? Time(IReadOnlyDictionary<string, string>? metadata, string name) =>
        metadata != null && metadata.TryGetValue(name, out var text) && S3fsHeaders.ParseTime(text) is var (seconds, nanoseconds)
            ? new UnixTime(seconds, nanoseconds)
            : null;

    public static string Format(UnixTime time) => S3fsHeaders.FormatTime(time.Seconds, time.Nanoseconds);
}
