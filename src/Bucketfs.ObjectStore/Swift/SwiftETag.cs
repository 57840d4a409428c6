namespace Bucketfs.ObjectStore.Swift;

/// <summary>ETags as S3 stores and the rest of bucketfs show them: in double quotes (Swift sends plain MD5s, and quoted ones for large objects).</summary>
internal static class SwiftETag
{
    public static string Of(string? etag) => string.IsNullOrEmpty(etag) ? "" : $"\"{etag.Trim('"')}\"";
}
