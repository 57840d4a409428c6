using System.Globalization;
using System.Text.Json;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>
/// A container listing page (GET ?format=json): objects, and with a delimiter the "subdir" entries
/// that are the implicit directories. Swift pages by marker, the last name of a page, which is
/// also what bucketfs hands back as the continuation; a marker that is a subdir skips its names.
/// </summary>
internal static class SwiftListing
{
    public static string Query(string prefix, string? delimiter, string? marker, int limit)
    {
        var query = new System.Text.StringBuilder("?format=json&limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
        if (prefix.Length > 0) query.Append("&prefix=").Append(Uri.EscapeDataString(prefix));
        if (delimiter != null) query.Append("&delimiter=").Append(Uri.EscapeDataString(delimiter));
        if (marker != null) query.Append("&marker=").Append(Uri.EscapeDataString(marker));
        return query.ToString();
    }

    /// <summary>The page in <paramref name="body"/>, keys made relative by <paramref name="relative"/>; <paramref name="seenLarge"/> hears which are large objects' manifests.</summary>
    public static ListPage Parse(byte[] body, int limit, Func<string, string> relative, Action<string, bool>? seenLarge = null)
    {
        var entries = body.Length == 0 ? [] : JsonSerializer.Deserialize(body, SwiftJson.Default.ListingEntryArray) ?? [];
        var objects = new List<ObjectInfo>();
        var prefixes = new List<string>();
        foreach (var entry in entries)
        {
            if (entry.Subdir != null) prefixes.Add(relative(entry.Subdir));
            else if (entry.Name != null)
            {
                string key = relative(entry.Name);
                objects.Add(new ObjectInfo(key, entry.Bytes, SwiftETag.Of(entry.SloETag ?? entry.Hash), ListedTime(entry.LastModified)) { ContentType = entry.ContentType });
                seenLarge?.Invoke(key, entry.SloETag != null);
            }
        }
        string? next = entries.Length < limit ? null : entries[^1].Subdir ?? entries[^1].Name;
        return new ListPage(objects, prefixes, next);
    }

    /// <summary>
    /// A listing gives microseconds; HEAD's Last-Modified is the same time rounded up to the second
    /// (Swift takes the ceiling of the timestamp). One version must show one mtime, so the listing's
    /// is rounded up too.
    /// </summary>
    private static DateTimeOffset ListedTime(string? text)
    {
        if (text is null || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            return DateTimeOffset.UnixEpoch;
        long ticks = time.Ticks;
        long rest = ticks % TimeSpan.TicksPerSecond;
        return new DateTimeOffset(rest == 0 ? ticks : ticks - rest + TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }
}
