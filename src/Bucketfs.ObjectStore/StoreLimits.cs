using System.Text;

namespace Bucketfs.ObjectStore;

/// <summary>
/// What one object may be: its key's length in UTF-8 bytes (relative to the store's prefix) and its
/// size. A name or a size beyond them is refused before any request, with the errno that says why.
/// </summary>
public sealed record StoreLimits(int KeyBytes, long ObjectBytes)
{
    /// <summary>S3's: keys of 1,024 bytes; objects of 5 TiB (10,000 parts of at most 5 GiB reach it). Ceph RGW and Swift's s3api keep the same.</summary>
    public static readonly StoreLimits S3 = new(1024, 5L << 40);

    /// <summary>The limits of a store confined to <paramref name="prefix"/>: its keys carry the prefix too.</summary>
    public StoreLimits Below(string prefix) => this with { KeyBytes = KeyBytes - Encoding.UTF8.GetByteCount(prefix) };

    /// <summary>Whether <paramref name="path"/> and <paramref name="suffix"/> fit one key (without counting bytes when they surely do).</summary>
    public bool KeyFits(string path, string suffix = "") =>
        (path.Length + suffix.Length) * 3 <= KeyBytes || Encoding.UTF8.GetByteCount(path) + Encoding.UTF8.GetByteCount(suffix) <= KeyBytes;
}
