using System.Security.Cryptography;

namespace Bucketfs.Integration.Tests;

/// <summary>What reaches the store for common access patterns, counted at a proxy in front of it.</summary>
public sealed class RequestCountTests
{
    /// <summary>For tests that count requests over a whole pass through a folder: the pass must end before its names expire.</summary>
    private static readonly string[] WholePhaseTtl = ["--metadata-ttl", "1"];

    private static readonly string[] ShortTtl = ["--metadata-ttl", "0.3"];

    /// <summary>A new bucket in that store holding <paramref name="count"/> random files of <paramref name="size"/> bytes.</summary>
    private static async Task<(TestStore Store, string Bucket, Dictionary<string, byte[]> Files)> SeededAsync(string storeName, int count, Func<int, string> name, int size)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var files = Enumerable.Range(0, count).ToDictionary(name, _ => RandomNumberGenerator.GetBytes(size));
        await store.PutManyAsync(bucket, files.Select(f => (f.Key, f.Value)));
        return (store, bucket, files);
    }

    private static List<string> For(FaultProxy proxy, string key) => proxy.Requests.Where(r => r.Contains(key, StringComparison.Ordinal)).ToList();

    /// <summary>Listings of a folder's entries (not the one-key listings that tell whether a name is a folder).</summary>
    private static int Listings(FaultProxy proxy, string folder) => proxy.Requests.Count(r => r.StartsWith("GET ", StringComparison.Ordinal)
        && r.Contains($"prefix={folder}%2F", StringComparison.Ordinal) && !r.Contains("max-keys=1&", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task ReadingThroughADirectoryCostsOneRequestPerFile(string storeName)
    {
        var (store, bucket, files) = await SeededAsync(storeName, 24, i => $"images/{i:D3}.jpg", 100 * 1024 + 3);
        using var proxy = new FaultProxy(store.Endpoint);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, WholePhaseTtl);

        Assert.Equal(files.Count, Directory.GetFiles(mount["images"]).Length);
        // The listing asks for a sample of headers (are these plain objects?); what is counted is the reading.
        Assert.Equal(1, Listings(proxy, "images"));
        proxy.ClearRequests();
        // Past the metadata TTL: every name must be asked for again.
        mount.WaitPastMetadataTtl();
        foreach (var (key, content) in files)
            Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(mount[key])), $"{key} differs");

        // Once the directory is seen being read through, a lookup brings the file's body with it.
        foreach (var key in files.Keys.Skip(8))
            Assert.True(For(proxy, key) is [var only] && only.StartsWith("GET ", StringComparison.Ordinal), $"{key}: {string.Join(" | ", For(proxy, key))}");
        // Whole small objects are asked for without Range: radosgw serves those in one operation instead of two.
        Assert.DoesNotContain(proxy.Requests, r => r.Contains("Range:", StringComparison.OrdinalIgnoreCase));
        // A first read of each file saves no HEAD by listing the folder again.
        Assert.Equal(0, Listings(proxy, "images"));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task SecondEpochRenewsTheNamesItReadsWithOneListing(string storeName)
    {
        var (store, bucket, files) = await SeededAsync(storeName, 40, i => $"train/{i:D3}.jpg", 80 * 1024);
        using var proxy = new FaultProxy(store.Endpoint);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, WholePhaseTtl);
        Assert.Equal(files.Count, Directory.GetFiles(mount["train"]).Length);
        foreach (var (key, content) in files) Assert.Equal(content, File.ReadAllBytes(mount[key]));

        mount.WaitPastMetadataTtl();
        proxy.ClearRequests();
        foreach (var (key, content) in files)
            Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(mount[key])), $"{key} differs");

        // The first epoch used enough of the folder's names to pay for a LIST page, so the first
        // expired name has it listed again, and the kernel's pages of each file are kept: no HEAD
        // per name, no body. (Where memory is reclaimed behind the kernel's back, as DAMON does on
        // the VMs these tests run on, a file's pages can be gone: its read is then a GET with If-Match.)
        foreach (var key in files.Keys)
            Assert.True(For(proxy, key).All(r => r.StartsWith("HEAD ", StringComparison.Ordinal)
                || r.StartsWith("GET ", StringComparison.Ordinal) && r.Contains("If-Match:", StringComparison.OrdinalIgnoreCase)),
                $"{key}: {string.Join(" | ", For(proxy, key))}");
        Assert.InRange(Listings(proxy, "train"), 1, 2);
        Assert.True(files.Keys.Count(key => For(proxy, key).Count == 0) >= files.Count * 3 / 4, string.Join(" | ", proxy.Requests));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task FileThatGrewIsReadWholeAfterItsLookupFetchedTheOldSize(string storeName)
    {
        var (store, bucket, files) = await SeededAsync(storeName, 12, i => $"shards/{i:D3}.bin", 64 * 1024);
        using var mount = BucketMount.Start(store, bucket, ShortTtl);
        foreach (var (key, content) in files) Assert.Equal(content, File.ReadAllBytes(mount[key]));

        // Lookups in this folder now fetch bodies sized for what was last seen; these objects outgrew them.
        var grown = files.Keys.ToDictionary(key => key, _ => RandomNumberGenerator.GetBytes((5 << 20) + 17));
        await store.PutManyAsync(bucket, grown.Select(f => (f.Key, f.Value)));
        mount.WaitPastMetadataTtl();
        foreach (var (key, content) in grown)
            Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(mount[key])), $"{key} differs");
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task LookingWithoutReadingFetchesNoBodies(string storeName)
    {
        var (store, bucket, files) = await SeededAsync(storeName, 16, i => $"docs/{i:D3}.txt", 50 * 1024);
        using var proxy = new FaultProxy(store.Endpoint);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, ShortTtl);

        Assert.Equal(files.Count, Directory.GetFiles(mount["docs"]).Length);
        // The listing's sample of headers (are these plain objects?) is not what is counted.
        proxy.ClearRequests();
        mount.WaitPastMetadataTtl();
        foreach (var key in files.Keys) Assert.Equal(50 * 1024, new FileInfo(mount[key]).Length);

        Assert.DoesNotContain(proxy.Requests, r => r.StartsWith("GET ", StringComparison.Ordinal) && r.Contains(".txt", StringComparison.Ordinal));
        // A HEAD each, until the folder is listed again for the rest.
        foreach (var key in files.Keys)
            Assert.True(For(proxy, key) is { Count: <= 1 } requests && requests.All(r => r.StartsWith("HEAD ", StringComparison.Ordinal)), $"{key}: {string.Join(" | ", For(proxy, key))}");
    }
}
