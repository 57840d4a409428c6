using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Bucketfs.ObjectStore.Calls;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>
/// Overwriting a Static Large Object replaces only its manifest: the segments it listed stay in the
/// segment container, unseen and paid for. As rclone does, a write over a name last seen as a large
/// object (a listing's slo_etag, HEAD's X-Static-Large-Object, an upload of this store) reads the
/// old manifest first and deletes its segments once the new version is stored, wherever they are
/// but in the mount's own container (as a DELETE with multipart-manifest=delete does). Names not seen as
/// large objects cost nothing extra, so creating small files stays one request.
/// </summary>
public sealed partial class SwiftStore
{
    // Bounded: past this many, the set starts over, and an overwrite of a forgotten name leaves its segments as before.
    private const int MostLargeObjectsKnown = 100_000;
    private readonly ConcurrentDictionary<string, bool> _largeObjects = new(StringComparer.Ordinal);

    // Names just seen as plain objects, so their DELETE goes without asking to delete a manifest
    // first: the usual unlink follows a lookup of the name. Bounded like the large ones, smaller.
    private const int MostPlainObjectsKnown = 10_000;
    private readonly ConcurrentDictionary<string, bool> _plainObjects = new(StringComparer.Ordinal);

    /// <summary>What the store just learnt of <paramref name="key"/>: whether it is a large object's manifest.</summary>
    private void SeenLarge(string key, bool large)
    {
        var (known, other) = large ? (_largeObjects, _plainObjects) : (_plainObjects, _largeObjects);
        other.TryRemove(key, out _);
        if (known.Count >= (large ? MostLargeObjectsKnown : MostPlainObjectsKnown)) known.Clear();
        known[key] = true;
    }

    /// <summary>The object was deleted: nothing is known of the name any more.</summary>
    private void Deleted(string key)
    {
        _largeObjects.TryRemove(key, out _);
        _plainObjects.TryRemove(key, out _);
    }

    /// <summary>Writes <paramref name="key"/>, then deletes the segments of the large object the write replaced.</summary>
    private async Task<string> ReplacingAsync(string key, bool large, Func<Task<string>> write, CancellationToken cancellation)
    {
        List<(string Container, string Name)>? replaced = null;
        if (_largeObjects.ContainsKey(key))
        {
            try
            {
                replaced = await SegmentsOfAsync(key, cancellation).ConfigureAwait(false);
            }
            catch (ObjectStoreException e)
            {
                SwiftLog.ReplacedSegmentsUnknown(_options.Log, key, e.Message);
            }
        }
        string etag = await write().ConfigureAwait(false);
        SeenLarge(key, large);
        if (replaced is { Count: > 0 })
        {
            try
            {
                await Call($"delete the replaced segments of {key}", new("delete_segments", "POST", "?bulk-delete"), async attempt =>
                {
                    await BulkDeleteAsync(key, replaced, attempt);
                    return true;
                }, cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectStoreException or OperationCanceledException)
            {
                SwiftLog.SegmentsLeft(_options.Log, replaced.Count, key, e.Message);
            }
        }
        return etag;
    }

    /// <summary>
    /// The segments of the large object now at <paramref name="key"/>, as container and name; null
    /// when it is no large object. Segments in the mount's own container are left out: those are
    /// objects a user sees, whatever a manifest says.
    /// </summary>
    private Task<List<(string Container, string Name)>?> SegmentsOfAsync(string key, CancellationToken cancellation) =>
        Call($"read the manifest of {key}", new("get_manifest", "GET", _prefix + key + "?multipart-manifest=get"), async attempt =>
        {
            using var response = await _http.SendAsync(s => new HttpRequestMessage(HttpMethod.Get, ObjectUri(s, key, "?multipart-manifest=get&format=raw")), attempt, stream: true);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
            // A plain object answers with its bytes: not read.
            if (!IsLarge(response)) return null;
            var manifest = JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(attempt.Token), SwiftJson.Default.ManifestSegmentArray) ?? [];
            var segments = new List<(string Container, string Name)>();
            foreach (var segment in manifest)
            {
                // "/container/name", unescaped.
                int slash = segment.Path.IndexOf('/', 1);
                if (!segment.Path.StartsWith('/') || slash < 0) continue;
                string container = segment.Path[1..slash];
                if (container != _container) segments.Add((container, segment.Path[(slash + 1)..]));
            }
            return (List<(string, string)>?)segments;
        }, cancellation);

    private static bool IsLarge(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Static-Large-Object", out var values) && values.Any(v => v.Equals("true", StringComparison.OrdinalIgnoreCase));
}
