using System.Security.Cryptography;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>MD5s as S3 ETags carry them: a single PUT's ETag is the MD5 of its bytes, a part's too.</summary>
public static class ContentHash
{
    public static string Md5(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(MD5.HashData(content));

    /// <summary>The MD5 an ETag states, or null for one that is not an MD5 (a multipart "…-N" ETag, an encrypted object's).</summary>
    public static string? Md5OfETag(string? etag)
    {
        if (etag is null) return null;
        var bare = etag.AsSpan().Trim('"');
        if (bare.Length != 32) return null;
        foreach (char c in bare) if (!char.IsAsciiHexDigit(c)) return null;
        return bare.ToString().ToLowerInvariant();
    }

    /// <summary>Fails unless <paramref name="etag"/> is unknown, not an MD5, or the MD5 of what was sent.</summary>
    public static void Check(string? etag, string md5, string what)
    {
        if (Md5OfETag(etag) is { } stated && stated != md5)
            throw new ObjectStoreException(StoreError.Rejected, $"{what}: the store reports MD5 {stated}, the bytes have {md5}");
    }
}
