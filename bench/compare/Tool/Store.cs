using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Bucketfs.Bench.Compare;

/// <summary>An S3 client set up for Ceph radosgw (and the other local stores): path style, no aws-chunked bodies.</summary>
internal sealed class Store : IDisposable
{
    public AmazonS3Client Client { get; }
    public string Bucket { get; }

    public Store(Args args)
    {
        Bucket = args.Get("bucket");
        string access = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? throw new ArgumentException("AWS_ACCESS_KEY_ID is not set");
        string secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? throw new ArgumentException("AWS_SECRET_ACCESS_KEY is not set");
        var endpoint = new Uri(args.Get("endpoint"));
        var config = new AmazonS3Config
        {
            ServiceURL = endpoint.ToString(),
            AuthenticationRegion = "us-east-1",
            UseHttp = endpoint.Scheme == Uri.UriSchemeHttp,
            ForcePathStyle = true,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = TimeSpan.FromSeconds(60),
            MaxErrorRetry = 3,
            MaxConnectionsPerServer = 64,
        };
        Client = new AmazonS3Client(new BasicAWSCredentials(access, secret), config);
    }

    public async Task EnsureBucketAsync()
    {
        try
        {
            await Client.PutBucketAsync(Bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    /// <summary>
    /// One LIST of a single key, before a measurement: the client's first request (code compiled,
    /// connection opened) is then not timed, as a mounter's is made while it mounts.
    /// </summary>
    public async Task WarmUpAsync() => await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, MaxKeys = 1 });

    /// <summary>Deletes keys, 1,000 a request.</summary>
    public async Task DeleteAsync(IReadOnlyList<string> keys)
    {
        for (int i = 0; i < keys.Count; i += 1000)
        {
            var batch = keys.Skip(i).Take(1000).Select(k => new KeyVersion { Key = k }).ToList();
            await Client.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = Bucket, Objects = batch, Quiet = true });
        }
    }

    public async Task<string?> TryGetTextAsync(string key)
    {
        try
        {
            using var response = await Client.GetObjectAsync(Bucket, key);
            using var reader = new StreamReader(response.ResponseStream);
            return await reader.ReadToEndAsync();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>GETs [offset, offset + destination.Length) of key into destination (whole object when offset is null); returns the bytes read.</summary>
    public async Task<int> GetAsync(string key, long? offset, Memory<byte> destination, CancellationToken cancellation = default)
    {
        var request = new GetObjectRequest { BucketName = Bucket, Key = key };
        if (offset is long start) request.ByteRange = new ByteRange(start, start + destination.Length - 1);
        using var response = await Client.GetObjectAsync(request, cancellation);
        var stream = response.ResponseStream;
        int done = 0;
        while (done < destination.Length)
        {
            int n = await stream.ReadAsync(destination[done..], cancellation);
            if (n == 0) break;
            done += n;
        }
        if (done == destination.Length)
        {
            // A whole-object GET into a buffer of the exact size: make sure nothing is left.
            var probe = new byte[1];
            if (await stream.ReadAsync(probe, cancellation) != 0) throw new InvalidDataException($"{key} is longer than {destination.Length} bytes");
        }
        return done;
    }

    public async Task PutAsync(string key, byte[] data, int length)
    {
        using var body = new MemoryStream(data, 0, length, writable: false);
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = body, UseChunkEncoding = false, AutoCloseStream = false });
    }

    /// <summary>Every key under prefix (with delimiter: the entries of one level); returns keys + common prefixes and the number of LIST requests.</summary>
    public async Task<(int Entries, int Requests)> ListAsync(string prefix, string? delimiter)
    {
        string? token = null;
        int entries = 0, requests = 0;
        do
        {
            var page = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix, Delimiter = delimiter, ContinuationToken = token, MaxKeys = 1000 });
            requests++;
            entries += (page.S3Objects?.Count ?? 0) + (page.CommonPrefixes?.Count ?? 0);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token != null);
        return (entries, requests);
    }

    public async Task<List<string>> ListKeysAsync(string prefix)
    {
        string? token = null;
        var keys = new List<string>();
        do
        {
            var page = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix, ContinuationToken = token, MaxKeys = 1000 });
            foreach (var o in page.S3Objects ?? []) keys.Add(o.Key);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token != null);
        return keys;
    }

    public void Dispose() => Client.Dispose();
}
