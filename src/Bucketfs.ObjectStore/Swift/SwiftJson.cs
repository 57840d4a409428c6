using System.Text.Json.Serialization;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>One entry of a container listing: an object, or with a delimiter a subdir.</summary>
internal sealed record ListingEntry(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("subdir")] string? Subdir,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("hash")] string? Hash,
    [property: JsonPropertyName("slo_etag")] string? SloETag,
    [property: JsonPropertyName("last_modified")] string? LastModified,
    [property: JsonPropertyName("content_type")] string? ContentType);

/// <summary>What a bulk or manifest delete answers (Accept: application/json).</summary>
internal sealed record DeleteResult(
    [property: JsonPropertyName("Response Status")] string? Status,
    [property: JsonPropertyName("Number Deleted")] int Deleted,
    [property: JsonPropertyName("Number Not Found")] int NotFound,
    [property: JsonPropertyName("Errors")] string[][]? Errors);

/// <summary>One segment of a Static Large Object manifest.</summary>
internal sealed record ManifestSegment(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("etag")] string? ETag);

[JsonSerializable(typeof(ListingEntry[]))]
[JsonSerializable(typeof(DeleteResult))]
[JsonSerializable(typeof(ManifestSegment[]))]
internal sealed partial class SwiftJson : JsonSerializerContext;
