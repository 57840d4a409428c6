using System.Text.Json;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>The object-store endpoint of a Keystone token's service catalog.</summary>
internal static class KeystoneCatalog
{
    /// <summary>
    /// The URL of the object-store endpoint with <paramref name="face"/> in <paramref name="region"/>
    /// (any region when null); a catalog without one is a one-line error naming what it does offer.
    /// </summary>
    public static Uri ObjectStore(JsonElement token, string? region, string face, string keystone)
    {
        var offered = new SortedSet<string>(StringComparer.Ordinal);
        if (token.TryGetProperty("catalog", out var catalog))
        {
            foreach (var service in catalog.EnumerateArray())
            {
                if (service.GetProperty("type").GetString() != "object-store") continue;
                foreach (var endpoint in service.GetProperty("endpoints").EnumerateArray())
                {
                    if (endpoint.GetProperty("interface").GetString() != face) continue;
                    string? where = Text(endpoint, "region_id") ?? Text(endpoint, "region");
                    if (where != null) offered.Add(where);
                    if (region != null && where != region && Text(endpoint, "region") != region) continue;
                    if (Uri.TryCreate(endpoint.GetProperty("url").GetString(), UriKind.Absolute, out var url)) return url;
                }
            }
        }
        string inRegion = region is null ? "" : $" in region {region}";
        string others = offered.Count == 0 ? "" : $" (regions with one: {string.Join(", ", offered)})";
        throw new ObjectStoreException(StoreError.Rejected, $"{keystone}: the catalog has no {face} object-store endpoint{inRegion}{others}");
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
