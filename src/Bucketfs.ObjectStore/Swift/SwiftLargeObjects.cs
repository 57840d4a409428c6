using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bucketfs.ObjectStore.Calls;
using Microsoft.Extensions.Logging;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>
/// Multipart uploads as Static Large Objects: each part is a segment object in the segment
/// container ("CONTAINER_segments", where the Swift CLI and rclone put theirs) named
/// NAME/UPLOAD/PART, uploaded as it comes (the core sends parts in parallel while the file is still
/// being written); completing writes the manifest under the object's name, aborting deletes the
/// segments in one bulk delete. A copied part is a ranged server-side copy into a segment.
/// </summary>
public sealed partial class SwiftStore
{
    private readonly string _segments;

    /// <summary>Attributes of uploads in progress, applied to the manifest: Swift has no upload object to hold them.</summary>
    private readonly ConcurrentDictionary<string, ObjectAttributes> _uploads = new(StringComparer.Ordinal);

    private readonly Lock _segmentContainerLock = new();
    private Task? _segmentContainer;

    public async Task<string> StartUploadAsync(string key, ObjectAttributes attributes, CancellationToken cancellation)
    {
        await EnsureSegmentContainerAsync(cancellation).ConfigureAwait(false);
        string uploadId = string.Create(CultureInfo.InvariantCulture, $"{_options.Time.GetUtcNow():yyyyMMddHHmmss}-{Guid.NewGuid():N}");
        _uploads[uploadId] = attributes;
        return uploadId;
    }

    public Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellation) =>
        Call($"upload part {partNumber} of {key}", new("upload_part", "PUT", SegmentKey(key, uploadId, partNumber), BytesSent: content.Length), async attempt =>
        {
            using var response = await _http.SendAsync(s => Put(SegmentUri(s, SegmentName(key, uploadId, partNumber)), content, ObjectAttributes.None), attempt);
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
            return new UploadedPart(partNumber, ETagOf(response));
        }, cancellation);

    public Task<UploadedPart> CopyPartAsync(string key, string uploadId, int partNumber, string sourceKey, long offset, long length, string? ifMatch, CancellationToken cancellation) =>
        Call($"copy part {partNumber} of {key}", new("upload_part_copy", "PUT", SegmentKey(key, uploadId, partNumber), BytesCopied: length), async attempt =>
        {
            var range = new RangeHeaderValue(offset, offset + length - 1);
            using var response = await _http.SendAsync(s => CopyRequest(SegmentUri(s, SegmentName(key, uploadId, partNumber)), sourceKey, range, null, ifMatch), attempt);
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
            return new UploadedPart(partNumber, ETagOf(response));
        }, cancellation);

    public Task<string> CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellation) =>
        ReplacingAsync(key, large: true, () => Call($"complete upload of {key}", new("complete_multipart_upload", "PUT", _prefix + key + "?multipart-manifest=put"), async attempt =>
        {
            if (!_uploads.TryGetValue(uploadId, out var attributes))
                throw new ObjectStoreException(StoreError.Rejected, $"no upload {uploadId} in progress");
            var segments = parts.OrderBy(p => p.PartNumber)
                .Select(p => new ManifestSegment($"/{_segments}/{SegmentName(key, uploadId, p.PartNumber)}", p.ETag.Trim('"')))
                .ToArray();
            byte[] manifest = JsonSerializer.SerializeToUtf8Bytes(segments, SwiftJson.Default.ManifestSegmentArray);
            using var response = await _http.SendAsync(s => Put(ObjectUri(s, key, "?multipart-manifest=put"), manifest, attributes), attempt);
            if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
            _uploads.TryRemove(uploadId, out _);
            return ETagOf(response);
        }, cancellation), cancellation);

    /// <summary>Deletes the segments uploaded so far (a crashed mount's too: they are found by name).</summary>
    public Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellation) =>
        Call($"abort upload of {key}", new("abort_multipart_upload", "DELETE", SegmentKey(key, uploadId, 0)[..^8] + "*"), async attempt =>
        {
            _uploads.TryRemove(uploadId, out _);
            string prefix = SegmentName(key, uploadId, 0)[..^8];
            var names = new List<string>();
            for (string? marker = null; ;)
            {
                using var listing = await _http.SendAsync(s => new HttpRequestMessage(HttpMethod.Get, ContainerUri(s, _segments, SwiftListing.Query(prefix, null, marker, 1000))), attempt);
                if (listing.StatusCode == HttpStatusCode.NotFound) return true;
                if (!listing.IsSuccessStatusCode) throw SwiftHttp.Failure(listing, container: true);
                var page = SwiftListing.Parse(await listing.Content.ReadAsByteArrayAsync(attempt.Token), 1000, name => name);
                names.AddRange(page.Objects.Select(o => o.Key));
                if ((marker = page.Continuation) is null) break;
            }
            if (names.Count > 0) await BulkDeleteAsync(key, [.. names.Select(n => (_segments, n))], attempt);
            return true;
        }, cancellation);

    /// <summary>One bulk-delete request for segments of <paramref name="key"/> (Swift's bulk middleware takes up to 10,000).</summary>
    private async Task BulkDeleteAsync(string key, List<(string Container, string Name)> segments, Attempt attempt)
    {
        string body = string.Join('\n', segments.Select(s => "/" + Escape(s.Container) + "/" + EscapePath(s.Name)));
        using var response = await _http.SendAsync(s =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(s.StorageUrl.ToString().TrimEnd('/') + "?bulk-delete")) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            return request;
        }, attempt);
        if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
        var result = JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(attempt.Token), SwiftJson.Default.DeleteResult);
        if (result?.Errors is { Length: > 0 } errors) SwiftLog.SegmentsLeft(_options.Log, errors.Length, key, string.Join("; ", errors.Select(e => string.Join(" ", e))));
    }

    /// <summary>The segment container, made once per store (PUT of an existing container changes nothing).</summary>
    private Task EnsureSegmentContainerAsync(CancellationToken cancellation)
    {
        lock (_segmentContainerLock)
        {
            if (_segmentContainer is { IsCompletedSuccessfully: true } made) return made;
            if (_segmentContainer is null || _segmentContainer.IsCompleted)
                _segmentContainer = Call($"create container {_segments}", new("create_container", "PUT", "/" + _segments), async attempt =>
                {
                    using var response = await _http.SendAsync(s => new HttpRequestMessage(HttpMethod.Put, ContainerUri(s, _segments, "")) { Content = new ByteArrayContent([]) }, attempt);
                    if (!response.IsSuccessStatusCode) throw SwiftHttp.Failure(response);
                    return true;
                }, CancellationToken.None);
            return _segmentContainer.WaitAsync(cancellation);
        }
    }

    private string SegmentName(string key, string uploadId, int partNumber) =>
        string.Create(CultureInfo.InvariantCulture, $"{_prefix}{key}/{uploadId}/{partNumber:D8}");

    /// <summary>A segment as the debug log names it: in the segment container, not the mount's.</summary>
    private string SegmentKey(string key, string uploadId, int partNumber) => "/" + _segments + "/" + SegmentName(key, uploadId, partNumber);

    private Uri SegmentUri(SwiftSession session, string name) => ContainerUri(session, _segments, "/" + EscapePath(name));
}
