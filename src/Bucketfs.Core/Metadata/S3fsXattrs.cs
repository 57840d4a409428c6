using System.Text;

namespace Bucketfs.Core.Metadata;

/// <summary>
/// Extended attributes the way s3fs keeps them: one x-amz-meta-xattr header holding the
/// URL-encoded text {"name":"base64(value)",...}.
/// </summary>
internal static class S3fsXattrs
{
    public const string MetadataName = "xattr";

    public static SortedDictionary<string, byte[]> Parse(IReadOnlyDictionary<string, string>? metadata)
    {
        var xattrs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        if (metadata is null || !metadata.TryGetValue(MetadataName, out var encoded)) return xattrs;
        string text = Uri.UnescapeDataString(encoded).Trim();
        if (text.Length < 2 || text[0] != '{' || text[^1] != '}') return xattrs;
        foreach (string pair in text[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = pair.IndexOf("\":\"", StringComparison.Ordinal);
            if (colon < 0) continue;
            string name = pair[..colon].Trim().Trim('"');
            string value = pair[(colon + 3)..].Trim().TrimEnd('"');
            try
            {
                xattrs[name] = Convert.FromBase64String(value);
            }
            catch (FormatException)
            {
                // s3fs skips what it cannot parse; so do we.
            }
        }
        return xattrs;
    }

    /// <summary>The metadata with its xattr header replaced (or removed when there are none).</summary>
    public static Dictionary<string, string> With(IReadOnlyDictionary<string, string>? metadata, SortedDictionary<string, byte[]> xattrs)
    {
        var result = metadata is null ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) : new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);
        if (xattrs.Count == 0)
        {
            result.Remove(MetadataName);
            return result;
        }
        var text = new StringBuilder("{");
        foreach (var (name, value) in xattrs)
        {
            if (text.Length > 1) text.Append(',');
            text.Append('"').Append(name).Append("\":\"").Append(Convert.ToBase64String(value)).Append('"');
        }
        result[MetadataName] = Uri.EscapeDataString(text.Append('}').ToString());
        return result;
    }
}
