namespace Bucketfs.Core.Metadata;

/// <summary>
/// s3fs's x-amz-meta-* conventions (<see cref="S3fsHeaders"/>), so objects written by s3fs look the same here.
/// </summary>
internal static partial class S3fsMetadata
{
    public const uint TypeMask = S3fsHeaders.TypeMask;
    public const uint SymlinkType = S3fsHeaders.SymlinkType;
    public const uint DirectoryType = S3fsHeaders.DirectoryType;
    public const uint RegularType = S3fsHeaders.RegularType;
    public const string DirectoryContentType = S3fsHeaders.DirectoryContentType;

    public static uint? Mode(IReadOnlyDictionary<string, string>? metadata) => S3fsHeaders.Number(metadata, S3fsHeaders.Mode);

    public static uint? Uid(IReadOnlyDictionary<string, string>? metadata) => S3fsHeaders.Number(metadata, S3fsHeaders.Uid);

    public static uint? Gid(IReadOnlyDictionary<string, string>? metadata) => S3fsHeaders.Number(metadata, S3fsHeaders.Gid);
}
