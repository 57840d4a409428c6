using System.Globalization;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Core.Metadata;

/// <summary>
/// FIFOs, sockets and device nodes as s3fs stores them: an empty object whose x-amz-meta-mode
/// carries the type bits. s3fs keeps no device number; a device's is kept in x-amz-meta-rdev
/// (decimal, as the kernel encodes it), which s3fs ignores and shows as 0.
/// </summary>
internal static partial class S3fsMetadata
{
    public const uint FifoType = 0x1000;
    public const uint CharacterDeviceType = 0x2000;
    public const uint BlockDeviceType = 0x6000;
    public const uint SocketType = 0xC000;

    /// <summary>What an object is by its stored mode; a mode with a directory's type bits on a plain key is a file.</summary>
    public static EntryKind KindOf(uint mode) => (mode & TypeMask) switch
    {
        SymlinkType => EntryKind.Symlink,
        FifoType or CharacterDeviceType or BlockDeviceType or SocketType => EntryKind.Special,
        _ => EntryKind.File,
    };

    public static uint? Rdev(IReadOnlyDictionary<string, string>? metadata) => S3fsHeaders.Number(metadata, "rdev");

    /// <summary>A special file's metadata: s3fs's, plus the device number when there is one.</summary>
    public static Dictionary<string, string> ForSpecial(uint mode, uint rdev, uint uid, uint gid, UnixTime mtime)
    {
        var metadata = For(mode, uid, gid, mtime);
        if (rdev != 0) metadata["rdev"] = rdev.ToString(CultureInfo.InvariantCulture);
        return metadata;
    }
}
