using Bucketfs.Core.Namespace;

namespace Bucketfs.Core;

/// <summary>
/// Names and sizes the store cannot hold are refused before any request, with the errno that says
/// why (the store's own refusal would only say EIO).
/// </summary>
public sealed partial class BucketFileSystem
{
    /// <summary>A path whose key (with the mount's prefix and <paramref name="suffix"/>) is longer than the store takes: ENAMETOOLONG.</summary>
    private void RequireKeyFits(string path, string suffix = "")
    {
        if (!_store.Limits.KeyFits(path, suffix)) throw new FileSystemException(FileSystemError.NameTooLong);
    }

    /// <summary>Whether s3fs's "path_$folder$" could exist: a key too long cannot, and the store refuses to be asked about it (HTTP 400).</summary>
    private bool MayHaveLegacyMarker(string path) => _store.Limits.KeyFits(path, KeyNames.LegacyFolderSuffix);

    /// <summary>A file larger than one object can be (truncate or write past it): EFBIG.</summary>
    private void RequireSizeFits(ulong size)
    {
        long most = _store.Limits.ObjectBytes;
        if (size > (ulong)most)
            throw new FileSystemException(FileSystemError.FileTooBig, $"A file of {size} bytes is larger than an object of {_store.Description} can be ({most} bytes)");
    }
}
