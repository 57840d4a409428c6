using System.Security.Cryptography;

namespace Bucketfs.Integration.Tests;

/// <summary>What --metrics-addr serves during a real workload agrees with what the store saw and what was read.</summary>
public sealed class MetricsTests
{
    private const string StoreRequests = "bucketfs_store_request_duration_seconds_count";
    private const string Received = "bucketfs_store_io_bytes_total";

    [Fact]
    public async Task ScrapedStoreRequestsAndBytesMatchWhatTheStoreSawAndWhatWasRead()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        var files = new Dictionary<string, byte[]>
        {
            ["small/a.bin"] = RandomNumberGenerator.GetBytes(100 * 1024 + 3),
            ["small/b.bin"] = RandomNumberGenerator.GetBytes(7),
            ["big.bin"] = RandomNumberGenerator.GetBytes((5 << 20) + 11),
        };
        await store.PutManyAsync(bucket, files.Select(f => (f.Key, f.Value)));
        using var proxy = new FaultProxy(store.Endpoint);
        int port = PrometheusText.FreePort();
        // Names never expire: nothing is asked of the store in the background while the figures are compared.
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, "--metrics-addr", $"127.0.0.1:{port}", "--metadata-ttl", "indefinite");
        var before = await PrometheusText.ScrapeAsync(port);
        int seenBefore = proxy.Requests.Count;

        foreach (var (key, content) in files)
            Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(mount[key])), $"{key} differs");

        // A request is counted when its answer has been read, the proxy when it is sent: the two agree once nothing is in flight.
        var after = await Eventually.PollAsync(() => PrometheusText.ScrapeAsync(port),
            scrape => scrape.Sum(StoreRequests) - before.Sum(StoreRequests) == proxy.Requests.Count - seenBefore);
        Assert.True(proxy.Requests.Count - seenBefore > 0, "the workload asked the store nothing");
        Assert.True(after.Sum(StoreRequests) - before.Sum(StoreRequests) == proxy.Requests.Count - seenBefore,
            $"metrics counted {after.Sum(StoreRequests) - before.Sum(StoreRequests)} store requests, the proxy saw {proxy.Requests.Count - seenBefore}:\n{string.Join('\n', proxy.Requests.Skip(seenBefore))}\n{after}");
        Assert.Equal(files.Values.Sum(f => (double)f.Length), after.Sum(Received, "network_io_direction=\"receive\"") - before.Sum(Received, "network_io_direction=\"receive\""));
        Assert.True(after.Sum("bucketfs_fuse_operation_duration_seconds_count", "fuse_opcode=\"read\"") > 0, after.ToString());
        Assert.True(after.Sum("bucketfs_handles_open") == 0, after.ToString());
    }
}
