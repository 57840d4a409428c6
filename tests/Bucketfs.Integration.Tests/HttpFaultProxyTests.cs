using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Bucketfs.Integration.Tests;

/// <summary>The fault proxy itself, against radosgw through the SDK: what it forwards arrives intact, and its faults are the ones asked for.</summary>
public sealed class HttpFaultProxyTests
{
    private readonly TestStore _store = TestStore.Get("ceph");

    /// <summary>A client like the store's own but through the proxy, without retries so that every fault shows.</summary>
    private AmazonS3Client Through(HttpFaultProxy proxy) => new(new BasicAWSCredentials(_store.AccessKey, _store.SecretKey), new AmazonS3Config
    {
        ServiceURL = proxy.Endpoint,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        Timeout = TimeSpan.FromSeconds(5),
        MaxErrorRetry = 0,
    });

    private static async Task<byte[]> ReadAsync(GetObjectResponse response)
    {
        using (response)
        {
            var content = new MemoryStream();
            await response.ResponseStream.CopyToAsync(content);
            return content.ToArray();
        }
    }

    [Fact]
    public async Task ForwardsPutGetHeadAndListOnOneKeptAliveConnection()
    {
        string bucket = await _store.NewBucketAsync();
        using var proxy = new HttpFaultProxy(_store.Endpoint);
        using var client = Through(proxy);
        // Larger than the proxy's 64 KiB pieces, both ways.
        var content = RandomNumberGenerator.GetBytes(300 * 1024 + 7);

        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "a/b c", InputStream = new MemoryStream(content), UseChunkEncoding = false });
        Assert.Equal(content, await ReadAsync(await client.GetObjectAsync(bucket, "a/b c")));
        Assert.Equal(content.Length, (await client.GetObjectMetadataAsync(bucket, "a/b c")).ContentLength);
        var listing = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        Assert.Equal(["a/b c"], listing.S3Objects.Select(o => o.Key));
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.GetObjectAsync(bucket, "missing"));
        Assert.Equal("NoSuchKey", missing.ErrorCode);

        Assert.Equal(["PUT", "GET", "HEAD", "GET", "GET"], proxy.Requests.Select(r => r.Split(' ')[0]));
        Assert.Equal(1, proxy.Connections);
        Assert.Equal(0, proxy.Faulted);
        Assert.Equal(content, await _store.GetAsync(bucket, "a/b c"));
    }

    [Fact]
    public async Task ShortBodyEndsTheBodyEarlyAndKeepsTheConnection()
    {
        string bucket = await _store.NewBucketAsync();
        var content = RandomNumberGenerator.GetBytes(10_000);
        await _store.PutAsync(bucket, "file", content);
        using var proxy = new HttpFaultProxy(_store.Endpoint);
        using var client = Through(proxy);
        proxy.Add(new FaultRule(Fault.ShortBody) { Method = "GET", Times = 1 });

        var range = new ByteRange(0, 999);
        using (var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "file", ByteRange = range }))
        {
            Assert.Equal(500, response.ContentLength);
            Assert.Equal("bytes 0-999/10000", response.ContentRange);
            Assert.Equal(content[..500], await ReadAsync(response));
        }
        Assert.Equal(content[..1000], await ReadAsync(await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "file", ByteRange = range })));
        Assert.Equal(1, proxy.Faulted);
        Assert.Equal(1, proxy.Connections);
    }

    [Fact]
    public async Task ServerErrorOnceThenTheStoreAnswers()
    {
        string bucket = await _store.NewBucketAsync();
        await _store.PutAsync(bucket, "file", "content"u8.ToArray());
        using var proxy = new HttpFaultProxy(_store.Endpoint);
        using var client = Through(proxy);
        proxy.Add(new FaultRule(Fault.ServerError) { PathContains = "/file", Times = 1 });

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => client.GetObjectAsync(bucket, "file"));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal("InternalError", error.ErrorCode);
        Assert.Equal("content"u8.ToArray(), await ReadAsync(await client.GetObjectAsync(bucket, "file")));
        Assert.Equal(1, proxy.Faulted);
        Assert.Equal([$"GET /{bucket}/file", $"GET /{bucket}/file"], proxy.Requests);
    }

    [Fact]
    public async Task StalledAnswerHoldsUntilClearReleasesIt()
    {
        string bucket = await _store.NewBucketAsync();
        await _store.PutAsync(bucket, "file", RandomNumberGenerator.GetBytes(100_000));
        using var proxy = new HttpFaultProxy(_store.Endpoint);
        using var client = Through(proxy);
        proxy.Add(new FaultRule(Fault.StallMidBody) { Method = "GET" });

        var stalled = Task.Run(async () => await ReadAsync(await client.GetObjectAsync(bucket, "file")));
        Assert.True(Eventually.Holds(() => proxy.Faulted == 1, TimeSpan.FromSeconds(10)), "the GET never reached the proxy");
        // The hold is what this test proves: the read must stay unanswered for a while, until Clear.
        Assert.False(await Task.WhenAny(stalled, Task.Delay(300)) == stalled, "the stalled answer was not held");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        proxy.Clear();
        await Assert.ThrowsAnyAsync<IOException>(() => stalled);
        // Well before the client's own 5 s timeout.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"released after {watch.Elapsed}");
        Assert.Equal(100_000, (await ReadAsync(await client.GetObjectAsync(bucket, "file"))).Length);
    }
}
