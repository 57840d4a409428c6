using System.Security.Cryptography;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// The --cache data cache through real mounts: what was read once is not fetched again after a
/// remount (counted at a proxy in front of the store), bad or outdated cache content is never
/// served, and a complete cached file is read by the kernel itself (FUSE passthrough).
/// </summary>
public sealed class DataCacheTests : IDisposable
{
    private readonly string _cache = Path.Combine("/tmp/bucketfs-it", "cache-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_cache)) Directory.Delete(_cache, recursive: true);
    }

    private static Dictionary<string, byte[]> Files() => new(StringComparer.Ordinal)
    {
        ["small.bin"] = RandomNumberGenerator.GetBytes(100 * 1024),
        ["medium.bin"] = RandomNumberGenerator.GetBytes((3 << 20) + 5),
        ["large.bin"] = RandomNumberGenerator.GetBytes((20 << 20) + 77),
    };

    private static async Task<(TestStore Store, string Bucket)> Seed(string storeName, Dictionary<string, byte[]> files)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        foreach (var (key, content) in files) await store.PutAsync(bucket, key, content);
        return (store, bucket);
    }

    private static void AssertReadsBack(BucketMount mount, Dictionary<string, byte[]> files)
    {
        foreach (var (key, content) in files)
            Assert.True(SHA256.HashData(content).AsSpan().SequenceEqual(SHA256.HashData(File.ReadAllBytes(mount[key]))), $"{key} read through the mount differs from the object");
    }

    private static List<string> ObjectGets(FaultProxy proxy, string bucket) =>
        proxy.Requests.Where(r => r.StartsWith($"GET /{bucket}/", StringComparison.Ordinal) && !r.Contains("list-type", StringComparison.Ordinal) && !r.StartsWith($"GET /{bucket}/?", StringComparison.Ordinal)).ToList();

    [Theory]
    [InlineData("ceph", true)]
    [InlineData("ceph", false)]
    [InlineData("swift", true)]
    public async Task AfterARemountCachedFilesAreReadWithoutAnyGet(string storeName, bool passthrough)
    {
        var files = Files();
        var (store, bucket) = await Seed(storeName, files);
        using var proxy = new FaultProxy(store.Endpoint);
        string[] options = passthrough ? ["--cache", _cache] : ["--cache", _cache, "--no-passthrough"];
        using (var first = BucketMount.StartAt(store, proxy.Endpoint, bucket, options)) AssertReadsBack(first, files);
        Assert.NotEmpty(ObjectGets(proxy, bucket));

        proxy.ClearRequests();
        using var again = BucketMount.StartAt(store, proxy.Endpoint, bucket, options);
        AssertReadsBack(again, files);
        Assert.Empty(ObjectGets(proxy, bucket));
    }

    /// <summary>Requests of one kind the daemon logged (--debug logs each one) over a mount's life.</summary>
    private static int Logged(string log, string opcode) => log.Split('\n').Count(l => l.Contains($" {opcode} #", StringComparison.Ordinal));

    [Fact]
    public async Task ACompleteCachedFileIsReadByTheKernelNotTheDaemon()
    {
        var files = Files();
        var (store, bucket) = await Seed("ceph", files);
        using (var first = BucketMount.Start(store, bucket, "--cache", _cache)) AssertReadsBack(first, files);
        // Files under 1 MiB are served by the daemon even from the cache: one READ costs less than a backing file.
        var large = files.Where(f => f.Value.Length >= 1 << 20).ToDictionary();

        var passthrough = BucketMount.Start(store, bucket, "--cache", _cache, "--debug");
        AssertReadsBack(passthrough, large);
        passthrough.Dispose();
        var served = BucketMount.Start(store, bucket, "--cache", _cache, "--debug", "--no-passthrough");
        AssertReadsBack(served, large);
        served.Dispose();

        Assert.True(Logged(passthrough.Log, "Open") >= large.Count, passthrough.Log);
        Assert.Equal(0, Logged(passthrough.Log, "Read"));
        Assert.True(Logged(served.Log, "Read") > 0, served.Log);
    }

    [Fact]
    public async Task ACorruptedCacheBlockIsFetchedAgainNeverServed()
    {
        var files = Files();
        var (store, bucket) = await Seed("ceph", files);
        using var proxy = new FaultProxy(store.Endpoint);
        using (var first = BucketMount.StartAt(store, proxy.Endpoint, bucket, "--cache", _cache)) AssertReadsBack(first, files);

        // Flip one byte in the middle of the large file's cached copy.
        var data = Directory.EnumerateFiles(_cache, "*.data", SearchOption.AllDirectories).Single(f => new FileInfo(f).Length == files["large.bin"].Length);
        using (var handle = File.OpenHandle(data, FileMode.Open, FileAccess.ReadWrite))
        {
            var one = new byte[1];
            long offset = files["large.bin"].Length / 2;
            RandomAccess.Read(handle, one, offset);
            one[0] ^= 0xFF;
            RandomAccess.Write(handle, one, offset);
        }

        proxy.ClearRequests();
        using var again = BucketMount.StartAt(store, proxy.Endpoint, bucket, "--cache", _cache);
        AssertReadsBack(again, files);
        var gets = ObjectGets(proxy, bucket);
        Assert.Contains(gets, g => g.Contains("large.bin", StringComparison.Ordinal));
        Assert.DoesNotContain(gets, g => g.Contains("small.bin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AChangedObjectIsReadFromTheStoreNotFromTheCache()
    {
        var files = Files();
        var (store, bucket) = await Seed("ceph", files);
        using (var first = BucketMount.Start(store, bucket, "--cache", _cache)) AssertReadsBack(first, files);

        files["medium.bin"] = RandomNumberGenerator.GetBytes((3 << 20) + 5);
        await store.PutAsync(bucket, "medium.bin", files["medium.bin"]);
        using var again = BucketMount.Start(store, bucket, "--cache", _cache);
        AssertReadsBack(again, files);
    }

    [Fact]
    public async Task ASmallCacheSizeIsKeptByEvictingTheLeastRecentlyUsed()
    {
        var files = Enumerable.Range(0, 8).ToDictionary(i => $"f{i}", _ => RandomNumberGenerator.GetBytes(3 << 20));
        var (store, bucket) = await Seed("ceph", files);
        using (var mount = BucketMount.Start(store, bucket, "--cache", _cache, "--cache-size", "10M")) AssertReadsBack(mount, files);

        var status = Cli.Run(null, ["cache", "status", _cache]);
        Assert.Equal(0, status.ExitCode);
        var cached = Directory.EnumerateFiles(_cache, "*.data", SearchOption.AllDirectories).ToList();
        Assert.InRange(cached.Count, 1, 3);
        Assert.Contains($"{cached.Count} objects", status.Stdout);

        var clear = Cli.Run(null, ["cache", "clear", _cache]);
        Assert.Equal(0, clear.ExitCode);
        Assert.Empty(Directory.EnumerateFiles(_cache, "*.data", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task TwoMountsShareOneCacheDirectoryUnderConcurrentReads()
    {
        var files = Enumerable.Range(0, 12).ToDictionary(i => $"f{i}", i => RandomNumberGenerator.GetBytes((1 << 20) * (1 + i % 4) + i));
        var (store, bucket) = await Seed("ceph", files);
        using var a = BucketMount.Start(store, bucket, "--cache", _cache);
        using var b = BucketMount.Start(store, bucket, "--cache", _cache);

        var readers = Enumerable.Range(0, 8).Select(r => Task.Run(() =>
        {
            var mount = r % 2 == 0 ? a : b;
            foreach (var (key, content) in files.OrderBy(f => (f.Key.GetHashCode() ^ r) & 0xFF))
                for (int round = 0; round < 2; round++)
                    Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(mount[key])), $"{key} differs through mount {(r % 2 == 0 ? "a" : "b")}");
        })).ToArray();
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task ReadingThroughADirectoryPrefetchesItsOtherFiles()
    {
        var files = Enumerable.Range(0, 40).ToDictionary(i => $"class/{i:D3}.jpg", _ => RandomNumberGenerator.GetBytes(100 * 1024));
        var (store, bucket) = await Seed("ceph", files);
        using (var mount = BucketMount.Start(store, bucket, "--cache", _cache))
        {
            Assert.Equal(40, Directory.GetFiles(mount["class"]).Length);
            foreach (var key in files.Keys.Take(5)) File.ReadAllBytes(mount[key]);
            Eventually.Holds(() => Directory.EnumerateFiles(_cache, "*.data", SearchOption.AllDirectories).Count() >= 40);
        }
        Assert.Equal(40, Directory.EnumerateFiles(_cache, "*.data", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public async Task WithAnIndefiniteTtlARemountListsLooksUpAndReadsWithoutAskingTheStore()
    {
        var files = Enumerable.Range(0, 30).ToDictionary(i => $"set/{(i % 3 == 0 ? "a" : "b")}/{i:D3}.bin", _ => RandomNumberGenerator.GetBytes(50 * 1024));
        var (store, bucket) = await Seed("ceph", files);
        using var proxy = new FaultProxy(store.Endpoint);
        string[] options = ["--cache", _cache, "--metadata-ttl", "indefinite"];
        List<string> firstFind;
        using (var first = BucketMount.StartAt(store, proxy.Endpoint, bucket, options))
        {
            firstFind = Directory.EnumerateFileSystemEntries(first.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(p => Path.GetRelativePath(first.Path, p)).ToList();
            AssertReadsBack(first, files);
        }

        using (var again = BucketMount.StartAt(store, proxy.Endpoint, bucket, options))
        {
            proxy.ClearRequests();
            var find = Directory.EnumerateFileSystemEntries(again.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(p => Path.GetRelativePath(again.Path, p)).ToList();
            Assert.Equal(firstFind, find);
            Assert.False(File.Exists(again["set/missing"]));
            AssertReadsBack(again, files);
            Assert.Empty(proxy.Requests);

            // A change through the mount is listed: the stored listing of that directory is dropped.
            File.WriteAllBytes(again["set/a/new.bin"], [1, 2, 3]);
            Assert.Contains("new.bin", Directory.GetFiles(again["set/a"]).Select(Path.GetFileName));
        }
        using var third = BucketMount.StartAt(store, proxy.Endpoint, bucket, options);
        Assert.Contains("new.bin", Directory.GetFiles(third["set/a"]).Select(Path.GetFileName));
    }

    [Fact]
    public async Task OpeningForWritingAFileTheKernelReadsInPassthroughIsRefusedAsBusy()
    {
        var files = Files();
        var (store, bucket) = await Seed("ceph", files);
        using (var first = BucketMount.Start(store, bucket, "--cache", _cache)) AssertReadsBack(first, files);

        using var mount = BucketMount.Start(store, bucket, "--cache", _cache);
        using (var reader = File.OpenRead(mount["large.bin"]))
        {
            var e = Assert.ThrowsAny<IOException>(() => File.OpenWrite(mount["large.bin"]).Dispose());
            Assert.Equal(26, e.HResult & 0xFFFF); // ETXTBSY
            Assert.Equal(files["large.bin"][..4096], new BinaryReader(reader).ReadBytes(4096));
        }
        // Once the passthrough handle is closed, the file can be changed.
        File.WriteAllBytes(mount["large.bin"], [7]);
        Assert.Equal(new byte[] { 7 }, await store.GetAsync(bucket, "large.bin"));
    }
}
