using System.Net;
using System.Net.Http.Headers;
using Bucketfs.ObjectStore.Calls;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>
/// <see cref="IObjectStore"/> on OpenStack Swift's own API: JSON listings, ranged GETs with
/// If-Match, PUT, server-side copy (X-Copy-From), deletes that take a Static Large Object's segments
/// along, and multipart uploads as Static Large Objects (<see cref="SwiftLargeObjects"/>).
/// Metadata is X-Object-Meta-*, under the same names bucketfs keeps in S3 (mode, uid, gid, mtime):
/// rclone's swift backend keeps its modification time as X-Object-Meta-Mtime too.
/// </summary>
public sealed partial class SwiftStore : IObjectStore, IDisposable
{
    internal const string MetadataPrefix = "X-Object-Meta-";

    /// <summary>
    /// Swift's defaults: 1,024-byte names, and Static Large Objects of at most 1,000 segments
    /// (max_manifest_segments); bucketfs streams a file in 8 MiB parts for its first thousand.
    /// </summary>
    private static readonly StoreLimits SwiftLimits = new(1024, 1000L * (8L << 20));

    private readonly SwiftStoreOptions _options;
    private readonly SwiftHttp _http;
    private readonly RetryingCalls _calls;
    private readonly string _container;
    private readonly string _prefix;

    public SwiftStore(SwiftStoreOptions options)
    {
        _options = options;
        _container = options.Container;
        _prefix = options.Prefix;
        _http = new SwiftHttp(options);
        _calls = new RetryingCalls(options, SwiftHttp.Map);
        _segments = options.SegmentContainer ?? _container + "_segments";
    }

    public string Description => $"swift://{_container}/{_prefix}";

    public StoreLimits Limits => SwiftLimits.Below(_prefix);

    /// <summary>The account URL, signing in first if no call has yet: the first call of a mount proves the credentials with it.</summary>
    public async Task<Uri> StorageUrlAsync(CancellationToken cancellation) =>
        await _calls.RunAsync($"sign in for {Description}", new StoreRequest("sign_in", "AUTH", _http.Tokens.Description), async attempt => (await _http.Tokens.GetAsync(attempt.Token)).StorageUrl, cancellation);

    /// <summary>Swift's continuation is a marker, the last name of a page: a listing begins after any name.</summary>
    public Task<ListPage> ListAfterAsync(string prefix, string? delimiter, string startAfter, int maxKeys, CancellationToken cancellation) =>
        ListAsync(prefix, delimiter, startAfter.Length == 0 ? null : _prefix + startAfter, maxKeys, cancellation);

    public Task<ListPage> ListAsync(string prefix, string? delimiter, string? continuation, int maxKeys, CancellationToken cancellation) =>
        Call($"list {prefix}", new("list", "GET", "?prefix=" + _prefix + prefix), async attempt =>
        {
            string query = SwiftListing.Query(_prefix + prefix, delimiter, continuation, maxKeys);
            using var response = await _http.SendAsync(s => new HttpRequestMessage(HttpMethod.Get, ContainerUri(s, _container, query)), attempt);
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response, container: true);
            return SwiftListing.Parse(await response.Content.ReadAsByteArrayAsync(attempt.Token), maxKeys, Relative, SeenLarge);
        }, cancellation);

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellation) =>
        Call($"head {key}", new("head", "HEAD", _prefix + key), async attempt =>
        {
            using var response = await _http.SendAsync(s => new HttpRequestMessage(HttpMethod.Head, ObjectUri(s, key)), attempt);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
            SeenLarge(key, IsLarge(response));
            return (ObjectInfo?)Describe(key, response);
        }, cancellation);

    public Task<int> ReadAsync(string key, long offset, Memory<byte> destination, string? ifMatch, CancellationToken cancellation) =>
        Call($"read {key} at {offset}", new("get", "GET", _prefix + key, offset, destination.Length), async attempt =>
        {
            if (destination.Length == 0) return 0;
            using var response = await GetAsync(key, new RangeHeaderValue(offset, offset + destination.Length - 1), ifMatch, attempt);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) return 0;
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
            int length = AnswerLength.OfRange(response.Content.Headers.ContentRange?.ToString(), response.Content.Headers.ContentLength ?? -1, offset, destination.Length);
            return await attempt.FillAsync(await response.Content.ReadAsStreamAsync(attempt.Token), destination[..length]);
        }, cancellation);

    public Task<int> ReadWholeAsync(string key, Memory<byte> destination, string ifMatch, CancellationToken cancellation) =>
        Call($"read {key}", new("get", "GET", _prefix + key), async attempt =>
        {
            using var response = await GetAsync(key, range: null, ifMatch, attempt);
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
            AnswerLength.Check(response.Content.Headers.ContentLength ?? -1, destination.Length);
            return await attempt.FillAsync(await response.Content.ReadAsStreamAsync(attempt.Token), destination);
        }, cancellation);

    public Task<ObjectStart?> HeadAndReadAsync(string key, Memory<byte> destination, CancellationToken cancellation) =>
        Call($"read {key}", new("get", "GET", _prefix + key), async attempt =>
        {
            // No Range: the caller sized destination for the whole object (see IObjectStore).
            using var response = await GetAsync(key, range: null, ifMatch: null, attempt);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
            SeenLarge(key, IsLarge(response));
            var info = Describe(key, response);
            int filled = await attempt.FillAsync(await response.Content.ReadAsStreamAsync(attempt.Token), destination[..(int)Math.Min(destination.Length, info.Size)]);
            return (ObjectStart?)new ObjectStart(info, filled);
        }, cancellation);

    private Task<HttpResponseMessage> GetAsync(string key, RangeHeaderValue? range, string? ifMatch, Attempt attempt) =>
        _http.SendAsync(s =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, ObjectUri(s, key));
            request.Headers.Range = range;
            if (ifMatch != null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            return request;
        }, attempt, stream: true);

    public Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, ObjectAttributes attributes, CancellationToken cancellation) =>
        ReplacingAsync(key, large: false, () => Call($"put {key}", new("put", "PUT", _prefix + key, BytesSent: content.Length), async attempt =>
        {
            using var response = await _http.SendAsync(s => Put(ObjectUri(s, key), content, attributes), attempt);
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
            return ETagOf(response);
        }, cancellation), cancellation);

    /// <summary>
    /// X-Copy-From, with If-Match checked against the source. Swift's copy of a Static Large Object
    /// is one plain object with its bytes (up to 5 GiB; bucketfs copies larger ones in parts), so
    /// the copy shares no segments with the source that a delete of either could take away.
    /// </summary>
    public Task<string> CopyAsync(string sourceKey, string destinationKey, ObjectAttributes? attributes, string? ifMatch, CancellationToken cancellation) =>
        ReplacingAsync(destinationKey, large: false, () => Call($"copy {sourceKey} to {destinationKey}", new("copy", "PUT", _prefix + destinationKey), async attempt =>
        {
            using var response = await _http.SendAsync(s => CopyRequest(ObjectUri(s, destinationKey), sourceKey, null, attributes, ifMatch), attempt);
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
            return ETagOf(response);
        }, cancellation), cancellation);

    /// <summary>A PUT that copies <paramref name="sourceKey"/> (a byte range of it, with <paramref name="range"/>); with attributes, those replace the source's metadata.</summary>
    private HttpRequestMessage CopyRequest(Uri destination, string sourceKey, RangeHeaderValue? range, ObjectAttributes? attributes, string? ifMatch)
    {
        var request = Put(destination, ReadOnlyMemory<byte>.Empty, attributes ?? ObjectAttributes.None);
        request.Headers.TryAddWithoutValidation("X-Copy-From", "/" + Escape(_container) + "/" + EscapePath(_prefix + sourceKey));
        if (attributes != null) request.Headers.TryAddWithoutValidation("X-Fresh-Metadata", "true");
        if (ifMatch != null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        request.Headers.Range = range;
        return request;
    }

    /// <summary>
    /// Deletes an object and, when it is a Static Large Object, its segments (as rclone and the
    /// Swift CLI do). Swift refuses the manifest delete of a plain object; that one is deleted plainly.
    /// </summary>
    public Task DeleteAsync(string key, CancellationToken cancellation) =>
        Call($"delete {key}", new("delete", "DELETE", _prefix + key), async attempt =>
        {
            // A name just seen as a plain object is deleted in one request; any other may be a large
            // object's manifest, whose segments go with it (Swift refuses that for a plain object).
            var result = _plainObjects.ContainsKey(key) ? null : await DeleteManifestAsync(key, attempt);
            if (result?.Errors is { Length: > 0 } errors && !errors.Any(e => e.Length > 1 && e[1].Contains("Not an SLO manifest", StringComparison.OrdinalIgnoreCase)))
                throw new ObjectStoreException(StoreError.Rejected, $"{result.Status}: {string.Join("; ", errors.Select(e => string.Join(" ", e)))}");
            if (result is null || result.Errors is { Length: > 0 })
            {
                using var response = await _http.SendAsync(s => new HttpRequestMessage(HttpMethod.Delete, ObjectUri(s, key)), attempt);
                if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound) throw SwiftHttp.Failure(response);
            }
            Deleted(key);
            return true;
        }, cancellation);

    private async Task<DeleteResult> DeleteManifestAsync(string key, Attempt attempt)
    {
        using var response = await _http.SendAsync(s =>
        {
            var request = new HttpRequestMessage(HttpMethod.Delete, ObjectUri(s, key, "?multipart-manifest=delete"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            return request;
        }, attempt);
        if (response.StatusCode == HttpStatusCode.NotFound) return new DeleteResult("404 Not Found", 0, 1, null);
        if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
        var result = System.Text.Json.JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(attempt.Token), SwiftJson.Default.DeleteResult);
        return result ?? new DeleteResult(null, 0, 0, null);
    }

    private static HttpRequestMessage Put(Uri uri, ReadOnlyMemory<byte> content, ObjectAttributes attributes)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new ReadOnlyMemoryContent(content) };
        if (attributes.ContentType != null && MediaTypeHeaderValue.TryParse(attributes.ContentType, out var type)) request.Content.Headers.ContentType = type;
        foreach (var (name, value) in attributes.Metadata) request.Headers.TryAddWithoutValidation(MetadataPrefix + name, value);
        return request;
    }

    private static ObjectInfo Describe(string key, HttpResponseMessage response)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers)
        {
            if (name.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase))
                metadata[name[MetadataPrefix.Length..].ToLowerInvariant()] = values.First();
        }
        var content = response.Content.Headers;
        return new ObjectInfo(key, content.ContentLength ?? 0, ETagOf(response), content.LastModified ?? DateTimeOffset.UnixEpoch)
        {
            Metadata = metadata,
            ContentType = content.ContentType?.ToString(),
        };
    }

    private static string ETagOf(HttpResponseMessage response) =>
        SwiftETag.Of(response.Headers.TryGetValues("ETag", out var values) ? values.First() : null);

    private Uri ObjectUri(SwiftSession session, string key, string query = "") =>
        ContainerUri(session, _container, "/" + EscapePath(_prefix + key) + query);

    private static Uri ContainerUri(SwiftSession session, string container, string rest) =>
        new(session.StorageUrl.ToString().TrimEnd('/') + "/" + Escape(container) + rest);

    private static string Escape(string segment) => segment switch
    {
        // Percent-encoded, so that no URL handling folds them away as "this" and "parent".
        "." => "%2E",
        ".." => "%2E%2E",
        _ => Uri.EscapeDataString(segment),
    };

    private static string EscapePath(string name) => string.Join('/', name.Split('/').Select(Escape));

    private string Relative(string name) => name.StartsWith(_prefix, StringComparison.Ordinal) ? name[_prefix.Length..] : name;

    /// <summary>Runs one store call with retries under its bounds (see RetryingCalls); <paramref name="request"/> describes it for metrics and the debug log.</summary>
    private Task<T> Call<T>(string what, StoreRequest request, Func<Attempt, Task<T>> call, CancellationToken cancellation) =>
        _calls.RunAsync($"{what} in {Description}", request, call, cancellation);

    public void Dispose() => _http.Dispose();
}
