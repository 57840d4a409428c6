using Bucketfs.Core.Namespace;
using Bucketfs.ObjectStore;

namespace Bucketfs.Core;

/// <summary>
/// Names and sizes the store cannot hold are refused before any request, with the errno that says
/// why (the store's own refusal would only say EIO).
/// </summary>
internal static class StoreLimitChecks
{
    /// <summary>A path whose key (with the mount's prefix and <paramref name="suffix"/>) is longer than the store takes: ENAMETOOLONG.</summary>
    public static void RequireKeyFits(this StoreLimits limits, string path, string suffix = "")
    {
        if (!limits.KeyFits(path, suffix)) throw new FileSystemException(FileSystemError.NameTooLong);
    }

    /// <summary>Whether s3fs's "path_$folder$" could exist: a key too long cannot, and the store refuses to be asked about it (HTTP 400).</summary>
    public static bool MayHaveLegacyMarker(this StoreLimits limits, string path) => limits.KeyFits(path, KeyNames.LegacyFolderSuffix);

    /// <summary>A file larger than one object can be (truncate or write past it): EFBIG.</summary>
    public static void RequireSizeFits(this StoreLimits limits, ulong size, string store)
    {
        if (size > (ulong)limits.ObjectBytes)
            throw new FileSystemException(FileSystemError.FileTooBig, $"A file of {size} bytes is larger than an object of {store} can be ({limits.ObjectBytes} bytes)");
    }
}
