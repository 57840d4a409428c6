using System.Net;
using System.Runtime.InteropServices;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Util;
using Amazon.S3;
using Amazon.S3.Model;
using Bucketfs.ObjectStore.Calls;

namespace Bucketfs.ObjectStore.S3;

/// <summary>
/// <see cref="IObjectStore"/> on AWSSDK.S3, set up so S3-compatible stores (Ceph RGW, Swift s3api,
/// MinIO) accept it: no aws-chunked bodies, checksums only where required.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private const string MetadataPrefix = "x-amz-meta-";
    private readonly AmazonS3Client _client;
    private readonly S3StoreOptions _options;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly RetryingCalls _calls;
    private readonly S3WritePolicy _writes;

    public S3ObjectStore(S3StoreOptions options)
    {
        _options = options;
        _calls = new RetryingCalls(options, S3ErrorMapping.Map);
        // The SDK refuses unsigned payloads on plain http; there the payload stays signed.
        _writes = options.Writes with { UnsignedPayload = options.Writes.UnsignedPayload && options.Endpoint?.Scheme != Uri.UriSchemeHttp };
        _bucket = options.Bucket;
        _prefix = options.Prefix;
        _client = CreateClient(options, options.Region ?? "us-east-1");
    }

    public string Description => $"s3://{_bucket}/{_prefix}";

    public StoreLimits Limits => StoreLimits.S3.Below(_prefix);

    public string Bucket => _bucket;

    /// <summary>
    /// The bucket's region as AWS reports it; only meaningful on AWS, where a client signed for the
    /// wrong region is refused. S3-compatible stores answer whatever they like, so null there.
    /// </summary>
    public static async Task<string?> DetectRegionAsync(S3StoreOptions options, CancellationToken cancellation)
    {
        if (options.Endpoint != null) return null;
        using var client = CreateClient(options, "us-east-1");
        var response = await client.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = options.Bucket }, cancellation);
        string? location = response.Location?.Value;
        return string.IsNullOrEmpty(location) ? "us-east-1" : location == "EU" ? "eu-west-1" : location;
    }

    private static AmazonS3Client CreateClient(S3StoreOptions options, string region)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.PathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            // Attempts are bounded and retried by RetryingCalls, which also covers the body of an answer.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            MaxErrorRetry = 0,
            MaxConnectionsPerServer = options.MaxConnections,
            HttpClientFactory = new S3HttpClients(options),
        };
        if (options.Endpoint != null)
        {
            config.ServiceURL = options.Endpoint.ToString();
            config.EndpointProvider = new CachedEndpointProvider();
            config.AuthenticationRegion = region;
            config.UseHttp = options.Endpoint.Scheme == Uri.UriSchemeHttp;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        return options.Credentials is null ? new AmazonS3Client(new AnonymousAWSCredentials(), config) : new AmazonS3Client(options.Credentials, config);
    }

    public Task<ListPage> ListAsync(string prefix, string? delimiter, string? continuation, int maxKeys, CancellationToken cancellation) =>
        ListAsync(prefix, delimiter, continuation, null, maxKeys, cancellation);

    public Task<ListPage> ListAfterAsync(string prefix, string? delimiter, string startAfter, int maxKeys, CancellationToken cancellation) =>
        ListAsync(prefix, delimiter, null, startAfter, maxKeys, cancellation);

    private Task<ListPage> ListAsync(string prefix, string? delimiter, string? continuation, string? startAfter, int maxKeys, CancellationToken cancellation) =>
        Call($"list {prefix}", new("list", "GET", "?list-type=2&prefix=" + _prefix + prefix), async attempt =>
        {
            var request = new ListObjectsV2Request
            {
                BucketName = _bucket,
                Prefix = _prefix + prefix,
                Delimiter = delimiter,
                ContinuationToken = continuation,
                StartAfter = startAfter is null ? null : _prefix + startAfter,
                MaxKeys = maxKeys,
            };
            _writes.Apply(request);
            var response = await _client.ListObjectsV2Async(request, attempt.Token);
            var objects = (response.S3Objects ?? []).Select(o => new ObjectInfo(
                Relative(o.Key), o.Size ?? 0, o.ETag ?? "", ToOffset(o.LastModified))).ToList();
            var prefixes = (response.CommonPrefixes ?? []).Select(Relative).ToList();
            return new ListPage(objects, prefixes, response.IsTruncated == true ? response.NextContinuationToken : null);
        }, cancellation);

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellation) =>
        Call($"head {key}", new("head", "HEAD", _prefix + key), async attempt =>
        {
            try
            {
                var request = new GetObjectMetadataRequest { BucketName = _bucket, Key = _prefix + key };
                _writes.Apply(request);
                var response = await _client.GetObjectMetadataAsync(request, attempt.Token);
                return new ObjectInfo(key, response.ContentLength, response.ETag ?? "", ToOffset(response.LastModified)) { Metadata = MetadataOf(response.Metadata), ContentType = response.Headers.ContentType };
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellation);

    public Task<int> ReadAsync(string key, long offset, Memory<byte> destination, string? ifMatch, CancellationToken cancellation) =>
        Call($"read {key} at {offset}", new("get", "GET", _prefix + key, offset, destination.Length), async attempt =>
        {
            if (destination.Length == 0) return 0;
            try
            {
                using var response = await GetAsync(key, new ByteRange(offset, offset + destination.Length - 1), ifMatch, attempt.Token);
                int length = AnswerLength.OfRange(response.ContentRange, response.ContentLength, offset, destination.Length);
                return await attempt.FillAsync(response.ResponseStream, destination[..length]);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                return 0;
            }
        }, cancellation);

    public Task<int> ReadWholeAsync(string key, Memory<byte> destination, string ifMatch, CancellationToken cancellation) =>
        Call($"read {key}", new("get", "GET", _prefix + key), async attempt =>
        {
            using var response = await GetAsync(key, range: null, ifMatch, attempt.Token);
            AnswerLength.Check(response.ContentLength, destination.Length);
            return await attempt.FillAsync(Body(response), destination);
        }, cancellation);

    public Task<ObjectStart?> HeadAndReadAsync(string key, Memory<byte> destination, CancellationToken cancellation) =>
        Call($"read {key}", new("get", "GET", _prefix + key), async attempt =>
        {
            try
            {
                // No Range: the caller sized destination for the whole object (see IObjectStore).
                // Should the object have grown, the rest of the body is dropped with the response.
                using var response = await GetAsync(key, range: null, ifMatch: null, attempt.Token);
                int filled = await attempt.FillAsync(Body(response), destination[..(int)Math.Min(destination.Length, response.ContentLength)]);
                var info = new ObjectInfo(key, response.ContentLength, response.ETag ?? "", ToOffset(response.LastModified)) { Metadata = MetadataOf(response.Metadata), ContentType = response.Headers.ContentType };
                return (ObjectStart?)new ObjectStart(info, filled);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellation);

    public async Task<ObjectStart?> ReadFirstAsync(string key, Memory<byte> destination, CancellationToken cancellation)
    {
        var (start, empty) = await Call($"read the start of {key}", new("get", "GET", _prefix + key, 0, destination.Length), async attempt =>
        {
            try
            {
                using var response = await GetAsync(key, new ByteRange(0, destination.Length - 1), ifMatch: null, attempt.Token);
                int length = AnswerLength.OfRange(response.ContentRange, response.ContentLength, 0, destination.Length);
                int filled = await attempt.FillAsync(response.ResponseStream, destination[..length]);
                long size = AnswerLength.ObjectSize(response.ContentRange, response.ContentLength);
                var info = new ObjectInfo(key, size, response.ETag ?? "", ToOffset(response.LastModified)) { Metadata = MetadataOf(response.Metadata), ContentType = response.Headers.ContentType };
                return (new ObjectStart(info, filled), false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return ((ObjectStart?)null, false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // An empty object has no first byte to send: its description comes from a HEAD.
                return (null, true);
            }
        }, cancellation);
        if (!empty) return start;
        return await HeadAsync(key, cancellation) is { } info ? new ObjectStart(info, 0) : null;
    }

    /// <summary>
    /// The body as the connection delivers it. The SDK checks an unranged body against its ETag
    /// with an MD5 of every byte, which ranged bodies never get: bucketfs leaves out the Range only
    /// to spare radosgw an operation, and the hash cost more daemon CPU than that saved (measured).
    /// </summary>
    private static Stream Body(GetObjectResponse response) =>
        response.ResponseStream is WrapperStream wrapped ? wrapped.GetNonWrapperBaseStream() : response.ResponseStream;

    private Task<GetObjectResponse> GetAsync(string key, ByteRange? range, string? ifMatch, CancellationToken token)
    {
        var request = new GetObjectRequest { BucketName = _bucket, Key = _prefix + key, ByteRange = range, EtagToMatch = ifMatch };
        _writes.Apply(request);
        return _client.GetObjectAsync(request, token);
    }

    private static Dictionary<string, string> MetadataOf(MetadataCollection headers)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in headers.Keys)
        {
            string bare = name.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase) ? name[MetadataPrefix.Length..] : name;
            metadata[bare.ToLowerInvariant()] = headers[name];
        }
        return metadata;
    }

    public Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, ObjectAttributes attributes, CancellationToken cancellation) =>
        Call($"put {key}", new("put", "PUT", _prefix + key, BytesSent: content.Length), async attempt =>
        {
            var request = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = _prefix + key,
                InputStream = AsStream(content),
                UseChunkEncoding = false,
                ContentType = attributes.ContentType,
                AutoCloseStream = true,
            };
            AddMetadata(request.Metadata, attributes);
            _writes.Apply(request);
            var response = await _client.PutObjectAsync(request, attempt.Token);
            return response.ETag ?? "";
        }, cancellation);

    public Task<string> CopyAsync(string sourceKey, string destinationKey, ObjectAttributes? attributes, string? ifMatch, CancellationToken cancellation) =>
        Conditional(sourceKey, ifMatch, condition => CopyOnceAsync(sourceKey, destinationKey, attributes, condition, cancellation), cancellation);

    private Task<string> CopyOnceAsync(string sourceKey, string destinationKey, ObjectAttributes? attributes, string? ifMatch, CancellationToken cancellation) =>
        Call($"copy {sourceKey} to {destinationKey}", new("copy", "PUT", _prefix + destinationKey), async attempt =>
        {
            var request = new CopyObjectRequest
            {
                SourceBucket = _bucket,
                SourceKey = _prefix + sourceKey,
                DestinationBucket = _bucket,
                DestinationKey = _prefix + destinationKey,
                ETagToMatch = ifMatch,
                MetadataDirective = attributes is null ? S3MetadataDirective.COPY : S3MetadataDirective.REPLACE,
            };
            if (attributes != null)
            {
                request.ContentType = attributes.ContentType;
                AddMetadata(request.Metadata, attributes);
            }
            _writes.Apply(request);
            var response = await _client.CopyObjectAsync(request, attempt.Token);
            return response.ETag ?? "";
        }, cancellation);

    public Task DeleteAsync(string key, CancellationToken cancellation) =>
        Call($"delete {key}", new("delete", "DELETE", _prefix + key), async attempt =>
        {
            var request = new DeleteObjectRequest { BucketName = _bucket, Key = _prefix + key };
            _writes.Apply(request);
            await _client.DeleteObjectAsync(request, attempt.Token);
            return true;
        }, cancellation);

    public Task<string> StartUploadAsync(string key, ObjectAttributes attributes, CancellationToken cancellation) =>
        Call($"start upload of {key}", new("create_multipart_upload", "POST", _prefix + key + "?uploads"), async attempt =>
        {
            var request = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = _prefix + key, ContentType = attributes.ContentType };
            AddMetadata(request.Metadata, attributes);
            _writes.Apply(request);
            var response = await _client.InitiateMultipartUploadAsync(request, attempt.Token);
            return response.UploadId;
        }, cancellation);

    public Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellation) =>
        Call($"upload part {partNumber} of {key}", new("upload_part", "PUT", _prefix + key + "?partNumber=" + partNumber, BytesSent: content.Length), async attempt =>
        {
            var request = new UploadPartRequest
            {
                BucketName = _bucket,
                Key = _prefix + key,
                UploadId = uploadId,
                PartNumber = partNumber,
                InputStream = AsStream(content),
                UseChunkEncoding = false,
            };
            _writes.Apply(request);
            var response = await _client.UploadPartAsync(request, attempt.Token);
            return new UploadedPart(partNumber, response.ETag);
        }, cancellation);

    public Task<UploadedPart> CopyPartAsync(string key, string uploadId, int partNumber, string sourceKey, long offset, long length, string? ifMatch, CancellationToken cancellation) =>
        Conditional(sourceKey, ifMatch, condition => CopyPartOnceAsync(key, uploadId, partNumber, sourceKey, offset, length, condition, cancellation), cancellation);

    private Task<UploadedPart> CopyPartOnceAsync(string key, string uploadId, int partNumber, string sourceKey, long offset, long length, string? ifMatch, CancellationToken cancellation) =>
        Call($"copy part {partNumber} of {key}", new("upload_part_copy", "PUT", _prefix + key + "?partNumber=" + partNumber, BytesCopied: length), async attempt =>
        {
            var request = new CopyPartRequest
            {
                SourceBucket = _bucket,
                SourceKey = _prefix + sourceKey,
                DestinationBucket = _bucket,
                DestinationKey = _prefix + key,
                UploadId = uploadId,
                PartNumber = partNumber,
                FirstByte = offset,
                LastByte = offset + length - 1,
                ETagToMatch = ifMatch is null ? null : [ifMatch],
            };
            _writes.Apply(request);
            var response = await _client.CopyPartAsync(request, attempt.Token);
            return new UploadedPart(partNumber, response.ETag);
        }, cancellation);

    public Task<string> CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellation) =>
        Call($"complete upload of {key}", new("complete_multipart_upload", "POST", _prefix + key + "?uploadId"), async attempt =>
        {
            var request = new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = _prefix + key,
                UploadId = uploadId,
                PartETags = parts.Select(p => new PartETag(p.PartNumber, p.ETag)).ToList(),
            };
            _writes.Apply(request);
            var response = await _client.CompleteMultipartUploadAsync(request, attempt.Token);
            return response.ETag ?? "";
        }, cancellation);

    public Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellation) =>
        Call($"abort upload of {key}", new("abort_multipart_upload", "DELETE", _prefix + key + "?uploadId"), async attempt =>
        {
            var request = new AbortMultipartUploadRequest { BucketName = _bucket, Key = _prefix + key, UploadId = uploadId };
            _writes.Apply(request);
            await _client.AbortMultipartUploadAsync(request, attempt.Token);
            return true;
        }, cancellation);

    /// <summary>
    /// A copy that must read the source version <paramref name="ifMatch"/>. Swift's s3api checks
    /// x-amz-copy-source-if-match against its own manifest ETag, not the "…-N" ETag it reports for
    /// multipart objects, so such copies are always refused there: when HEAD still shows the ETag
    /// asked for, the copy is made again without the condition (the window is one round trip).
    /// </summary>
    private async Task<T> Conditional<T>(string sourceKey, string? ifMatch, Func<string?, Task<T>> copy, CancellationToken cancellation)
    {
        try
        {
            return await copy(ifMatch).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Error == StoreError.PreconditionFailed && ifMatch != null && ifMatch.Trim('"').Contains('-'))
        {
            var current = await HeadAsync(sourceKey, cancellation).ConfigureAwait(false);
            if (current is null || current.ETag.Trim('"') != ifMatch.Trim('"')) throw;
            return await copy(null).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one store call with retries under its bounds (see RetryingCalls), handing the caller back to the pool.</summary>
    private Task<T> Call<T>(string what, StoreRequest request, Func<Attempt, Task<T>> call, CancellationToken cancellation)
        => _calls.RunAsync($"{what} in {Description}", request, call, cancellation);

    private string Relative(string key) => key.StartsWith(_prefix, StringComparison.Ordinal) ? key[_prefix.Length..] : key;

    /// <summary>
    /// In whole seconds: a listing gives milliseconds, a HEAD or GET whole seconds, and one version
    /// must show one mtime, or the kernel drops the file's cached pages each time the two alternate.
    /// </summary>
    private static DateTimeOffset ToOffset(DateTime? time)
    {
        if (time is not { } t) return DateTimeOffset.UnixEpoch;
        long ticks = t.ToUniversalTime().Ticks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    private static void AddMetadata(MetadataCollection collection, ObjectAttributes attributes)
    {
        foreach (var (name, value) in attributes.Metadata) collection.Add(MetadataPrefix + name, value);
    }

    private static Stream AsStream(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);

    public void Dispose() => _client.Dispose();
}
