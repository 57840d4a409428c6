using System.Security.Cryptography;

namespace Bucketfs.Testing;

/// <summary>ETags as S3 and radosgw compute them, so tests see the values a real store would give.</summary>
internal static class ETags
{
    /// <summary>A single PUT (or part): the quoted MD5 of the content.</summary>
    public static string Of(ReadOnlySpan<byte> content) => $"\"{Convert.ToHexStringLower(MD5.HashData(content))}\"";

    /// <summary>A completed multipart upload: the MD5 of the parts' binary MD5s, then "-" and the number of parts.</summary>
    public static string OfParts(IReadOnlyList<string> partETags)
    {
        var digests = partETags.SelectMany(e => Convert.FromHexString(e.Trim('"'))).ToArray();
        return $"\"{Convert.ToHexStringLower(MD5.HashData(digests))}-{partETags.Count}\"";
    }

    /// <summary>If-Match as S3 checks it: no condition, "*", or the same ETag with or without its quotes.</summary>
    public static bool Matches(string? ifMatch, string etag) => ifMatch is null || ifMatch == "*" || ifMatch.Trim('"') == etag.Trim('"');
}
