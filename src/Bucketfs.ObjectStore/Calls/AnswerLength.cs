using System.Globalization;

namespace Bucketfs.ObjectStore.Calls;

/// <summary>
/// How many bytes an answer must carry, from what was asked and what its headers claim. A body
/// that disagrees (a proxy or store cutting it short, announcing a shorter Content-Length than its
/// Content-Range, or sending more) is a failed attempt, retried like a 5xx: served as it came, a
/// short body read back as a short file with no error.
/// </summary>
internal static class AnswerLength
{
    /// <summary>
    /// The length of the answer to a GET of [offset, offset + asked): the range the store says it
    /// sent must start at offset, match Content-Length, and be all that was asked unless the object ends first.
    /// </summary>
    public static int OfRange(string? contentRange, long contentLength, long offset, int asked)
    {
        if (!TryParse(contentRange, out long first, out long last, out long total))
        {
            // A store that ignores Range answers the whole object; only from offset 0 is that usable.
            if (offset != 0) throw Mismatch($"the answer has no Content-Range for a range from {offset}");
            return (int)Math.Min(asked, contentLength);
        }
        long count = last - first + 1;
        long must = Math.Min(asked, total - offset);
        if (first != offset || count != must)
            throw Mismatch($"asked for {asked} bytes at {offset} of a {total}-byte object, the answer is for {contentRange}");
        if (contentLength != count)
            throw Mismatch($"the answer announces {contentLength} bytes for {contentRange}");
        return (int)count;
    }

    /// <summary>The object's size an answer to a ranged GET states: its Content-Range's total, or its length when the store ignored the range.</summary>
    public static long ObjectSize(string? contentRange, long contentLength) =>
        TryParse(contentRange, out _, out _, out long total) ? total : contentLength;

    /// <summary>A whole object of a known version must be as long as that version.</summary>
    public static void Check(long contentLength, long expected)
    {
        if (contentLength != expected) throw Mismatch($"the answer announces {contentLength} bytes for an object of {expected}");
    }

    public static ObjectStoreException Mismatch(string what) => new(StoreError.Unavailable, $"bad answer: {what}");

    /// <summary>"bytes FIRST-LAST/TOTAL"</summary>
    private static bool TryParse(string? header, out long first, out long last, out long total)
    {
        first = last = total = 0;
        if (header is null || !header.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase)) return false;
        var span = header.AsSpan(6).Trim();
        int dash = span.IndexOf('-'), slash = span.IndexOf('/');
        return dash > 0 && slash > dash
            && long.TryParse(span[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out first)
            && long.TryParse(span[(dash + 1)..slash], NumberStyles.None, CultureInfo.InvariantCulture, out last)
            && long.TryParse(span[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out total)
            && last >= first;
    }
}
