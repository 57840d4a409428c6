using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// A real store started by scripts/stores (the test command starts them), reached with the SDK
/// directly to seed data and check results, never through the mount under test.
/// </summary>
public sealed class TestStore
{
    private TestStore(string name, string endpoint, string accessKey, string secretKey, string otherAccessKey, string otherSecretKey)
    {
        Name = name;
        Endpoint = endpoint;
        AccessKey = accessKey;
        SecretKey = secretKey;
        OtherAccessKey = otherAccessKey;
        OtherSecretKey = otherSecretKey;
        Client = new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = TimeSpan.FromSeconds(60),
        });
    }

    public string Name { get; }
    public string Endpoint { get; }
    public string AccessKey { get; }
    public string SecretKey { get; }
    public string OtherAccessKey { get; }
    public string OtherSecretKey { get; }
    public AmazonS3Client Client { get; }

    public static readonly TheoryData<string> All = ["ceph", "swift"];

    /// <summary>
    /// The stores of <see cref="All"/> and Swift through its own API ("swift-native"): the same Swift
    /// account as "swift" (v1 auth of the same user), so seeding and checks go through s3api while
    /// the mount under test speaks Swift's API.
    /// </summary>
    public static readonly TheoryData<string> WithNativeSwift = ["ceph", "swift", NativeSwift];

    public const string NativeSwift = "swift-native";

    /// <summary>The source and options that mount <paramref name="bucket"/> of this store through <paramref name="endpoint"/> (the store's own, or a proxy's).</summary>
    public string[] MountArguments(string bucket, string endpoint) => Name == NativeSwift
        ? [$"swift://{bucket}", "--os-auth-url", endpoint + "/auth/v1.0", "--os-username", AccessKey, "--os-password", SecretKey]
        : [$"s3://{bucket}", "--endpoint-url", endpoint, "--force-path-style"];

    private static readonly Dictionary<string, TestStore> Stores = [];

    public static TestStore Get(string name)
    {
        lock (Stores)
        {
            if (Stores.TryGetValue(name, out var store)) return store;
            string prefix = $"BUCKETFS_{(name == NativeSwift ? "swift" : name).ToUpperInvariant()}_";
            string Variable(string suffix) => Environment.GetEnvironmentVariable(prefix + suffix)
                ?? throw new InvalidOperationException($"{prefix}{suffix} is not set: run the tests with scripts/test.sh, which starts the stores");
            store = new TestStore(name, Variable("ENDPOINT"), Variable("ACCESS_KEY"), Variable("SECRET_KEY"), Variable("OTHER_ACCESS_KEY"), Variable("OTHER_SECRET_KEY"));
            Stores[name] = store;
            return store;
        }
    }

    /// <summary>A new, empty bucket for one test.</summary>
    public async Task<string> NewBucketAsync()
    {
        string bucket = "t-" + Guid.NewGuid().ToString("N")[..16];
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        return bucket;
    }

    /// <summary>Deletes a bucket and everything in it, so large test data does not fill the store.</summary>
    public async Task DeleteBucketAsync(string bucket)
    {
        foreach (string key in await KeysAsync(bucket)) await Client.DeleteObjectAsync(bucket, key);
        await Client.DeleteBucketAsync(bucket);
    }

    public Task PutAsync(string bucket, string key, byte[] content, IDictionary<string, string>? metadata = null)
    {
        var request = new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false };
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>()) request.Metadata.Add("x-amz-meta-" + name, value);
        return Client.PutObjectAsync(request);
    }

    public async Task<byte[]?> GetAsync(string bucket, string key)
    {
        try
        {
            using var response = await Client.GetObjectAsync(bucket, key);
            var content = new MemoryStream();
            await response.ResponseStream.CopyToAsync(content);
            return content.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>x-amz-meta-* of an object, names without the prefix.</summary>
    public async Task<Dictionary<string, string>> MetadataAsync(string bucket, string key)
    {
        var response = await Client.GetObjectMetadataAsync(bucket, key);
        return response.Metadata.Keys.ToDictionary(k => k.Replace("x-amz-meta-", "", StringComparison.OrdinalIgnoreCase).ToLowerInvariant(), k => response.Metadata[k]);
    }

    /// <summary>The Content-Type a HEAD of the object answers with.</summary>
    public async Task<string> ContentTypeAsync(string bucket, string key) => (await Client.GetObjectMetadataAsync(bucket, key)).Headers.ContentType;

    public async Task<List<string>> KeysAsync(string bucket)
    {
        var keys = new List<string>();
        string? continuation = null;
        do
        {
            var page = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = continuation });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation != null);
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    /// <summary>
    /// Names in a container of this Swift, through Swift's own API (v1 auth of the same user): the
    /// segment containers of native-Swift mounts ("BUCKET_segments") are no valid S3 bucket names.
    /// </summary>
    public async Task<List<string>> SwiftNamesAsync(string container)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var auth = new HttpRequestMessage(HttpMethod.Get, Endpoint + "/auth/v1.0");
        auth.Headers.Add("X-Auth-User", AccessKey);
        auth.Headers.Add("X-Auth-Key", SecretKey);
        using var signedIn = await http.SendAsync(auth);
        signedIn.EnsureSuccessStatusCode();
        using var list = new HttpRequestMessage(HttpMethod.Get, $"{signedIn.Headers.GetValues("X-Storage-Url").First()}/{Uri.EscapeDataString(container)}");
        list.Headers.Add("X-Auth-Token", signedIn.Headers.GetValues("X-Auth-Token").First());
        using var response = await http.SendAsync(list);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    /// <summary>Uploads many small objects with bounded parallelism (Swift manages about 150 PUTs a second).</summary>
    public Task PutManyAsync(string bucket, IEnumerable<(string Key, byte[] Content)> objects) =>
        Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (o, _) => await PutAsync(bucket, o.Key, o.Content));

    /// <summary>Uploads a large object in parts, generating its bytes from a seed, and returns its sha256.</summary>
    public async Task<byte[]> PutLargeAsync(string bucket, string key, long size, int seed)
    {
        const int partSize = 64 << 20;
        var start = await Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key });
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var parts = new List<PartETag>();
        var random = new Random(seed);
        var buffer = new byte[partSize];
        for (long offset = 0, part = 1; offset < size; offset += partSize, part++)
        {
            int length = (int)Math.Min(partSize, size - offset);
            random.NextBytes(buffer.AsSpan(0, length));
            hash.AppendData(buffer, 0, length);
            var response = await Client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket, Key = key, UploadId = start.UploadId, PartNumber = (int)part,
                InputStream = new MemoryStream(buffer, 0, length), UseChunkEncoding = false,
            });
            parts.Add(new PartETag((int)part, response.ETag));
        }
        await Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = start.UploadId, PartETags = parts });
        return hash.GetHashAndReset();
    }
}
