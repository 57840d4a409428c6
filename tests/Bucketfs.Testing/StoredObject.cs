namespace Bucketfs.Testing;

/// <summary>An object as the memory store holds it; never changed once stored (a write stores a new one).</summary>
public sealed record StoredObject(ReadOnlyMemory<byte> Content, string ETag, IReadOnlyDictionary<string, string> Metadata, string? ContentType, DateTimeOffset LastModified);

/// <summary>A multipart upload started and neither completed nor aborted.</summary>
public sealed record PendingUpload(string Key, string UploadId, IReadOnlyList<int> PartNumbers, IReadOnlyDictionary<string, string> Metadata, string? ContentType);

/// <summary>The bytes one GET asked for.</summary>
public sealed record ReadRange(string Key, long Offset, int Length);
