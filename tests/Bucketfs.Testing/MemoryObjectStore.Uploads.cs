using Bucketfs.ObjectStore;

namespace Bucketfs.Testing;

public sealed partial class MemoryObjectStore
{
    private const int MaxPartNumber = 10_000;
    private readonly Dictionary<string, Upload> _uploads = [];
    private int _lastUploadId;

    /// <summary>Every part but the last must be at least this long, or completing fails (EntityTooSmall); radosgw's default is 5 MiB.</summary>
    public long MinPartSize { get; init; } = 5L << 20;

    /// <summary>The multipart uploads started and neither completed nor aborted, for tests that check none is left behind.</summary>
    public IReadOnlyList<PendingUpload> Uploads()
    {
        lock (_lock)
            return _uploads.Select(u => new PendingUpload(u.Value.Key, u.Key, u.Value.Parts.Keys.Order().ToList(), u.Value.Metadata, u.Value.ContentType)).ToList();
    }

    public async Task<string> StartUploadAsync(string key, ObjectAttributes attributes, CancellationToken cancellation)
    {
        await Enter(StoreOperation.StartUpload, cancellation).ConfigureAwait(false);
        lock (_lock)
        {
            string id = $"upload-{++_lastUploadId}";
            _uploads[id] = new Upload(key, Normalized(attributes.Metadata), attributes.ContentType);
            return id;
        }
    }

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellation)
    {
        await Enter(StoreOperation.UploadPart, cancellation).ConfigureAwait(false);
        return AddPart(key, uploadId, partNumber, content.ToArray());
    }

    /// <summary>A range past the source's end is refused with InvalidRange, as radosgw does (416).</summary>
    public async Task<UploadedPart> CopyPartAsync(string key, string uploadId, int partNumber, string sourceKey, long offset, long length, string? ifMatch, CancellationToken cancellation)
    {
        await Enter(StoreOperation.CopyPart, cancellation).ConfigureAwait(false);
        ReadOnlyMemory<byte> range;
        lock (_lock)
        {
            Open(key, uploadId);
            var source = Existing(sourceKey, ifMatch).Content;
            if (offset < 0 || length <= 0 || offset + length > source.Length)
                throw new ObjectStoreException(StoreError.InvalidRange, $"bytes {offset}+{length} of {sourceKey}, {source.Length} bytes long");
            range = source.Slice((int)offset, (int)length);
        }
        return AddPart(key, uploadId, partNumber, range);
    }

    /// <summary>
    /// Refused (InvalidPart, InvalidPartOrder, EntityTooSmall, MalformedXML: all 400, so
    /// <see cref="StoreError.Rejected"/>) unless the parts were uploaded with those ETags, in
    /// ascending order, all but the last at least <see cref="MinPartSize"/> long. Parts left out are dropped.
    /// </summary>
    public async Task<string> CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellation)
    {
        await Enter(StoreOperation.CompleteUpload, cancellation).ConfigureAwait(false);
        lock (_lock)
        {
            var upload = Open(key, uploadId);
            if (parts.Count == 0) throw Refused(key, "no parts");
            var chosen = new List<Part>(parts.Count);
            for (int i = 0; i < parts.Count; i++)
            {
                if (i > 0 && parts[i].PartNumber <= parts[i - 1].PartNumber) throw Refused(key, "parts out of order");
                if (!upload.Parts.TryGetValue(parts[i].PartNumber, out var part) || !ETags.Matches(parts[i].ETag, part.ETag))
                    throw Refused(key, $"no part {parts[i].PartNumber} with ETag {parts[i].ETag}");
                if (i < parts.Count - 1 && part.Content.Length < MinPartSize) throw Refused(key, $"part {parts[i].PartNumber} is too small");
                chosen.Add(part);
            }
            var content = new byte[chosen.Sum(p => p.Content.Length)];
            int at = 0;
            foreach (var part in chosen)
            {
                part.Content.CopyTo(content.AsMemory(at));
                at += part.Content.Length;
            }
            var stored = New(content, ETags.OfParts(chosen.Select(p => p.ETag).ToList()), upload.Metadata, upload.ContentType);
            _objects[key] = stored;
            _uploads.Remove(uploadId);
            return stored.ETag;
        }
    }

    public async Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellation)
    {
        await Enter(StoreOperation.AbortUpload, cancellation).ConfigureAwait(false);
        lock (_lock)
        {
            Open(key, uploadId);
            _uploads.Remove(uploadId);
        }
    }

    private UploadedPart AddPart(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> content)
    {
        if (partNumber is < 1 or > MaxPartNumber) throw Refused(key, $"part number {partNumber}");
        var part = new Part(content, ETags.Of(content.Span));
        lock (_lock) Open(key, uploadId).Parts[partNumber] = part;
        return new UploadedPart(partNumber, part.ETag);
    }

    /// <summary>The upload, or NoSuchUpload (404), which the S3 store maps to <see cref="StoreError.NotFound"/>.</summary>
    private Upload Open(string key, string uploadId) =>
        _uploads.TryGetValue(uploadId, out var upload) && upload.Key == key
            ? upload
            : throw new ObjectStoreException(StoreError.NotFound, $"{key}: NoSuchUpload {uploadId}");

    private static ObjectStoreException Refused(string key, string why) => new(StoreError.Rejected, $"upload of {key}: {why}");

    private sealed record Upload(string Key, IReadOnlyDictionary<string, string> Metadata, string? ContentType)
    {
        public Dictionary<int, Part> Parts { get; } = [];
    }

    private sealed record Part(ReadOnlyMemory<byte> Content, string ETag);
}
