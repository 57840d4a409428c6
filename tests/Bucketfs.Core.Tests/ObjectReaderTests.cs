using Bucketfs.Core.Read;
using Bucketfs.ObjectStore;

namespace Bucketfs.Core.Tests;

public sealed class ObjectReaderTests
{
    private static readonly ReadTuning Tuning = ReadTuning.From(new FilesystemOptions());

    private static (InMemoryObjectStore Store, byte[] Content) Object(int size)
    {
        var store = new InMemoryObjectStore();
        var content = new byte[size];
        new Random(size).NextBytes(content);
        store.Put("k", content);
        return (store, content);
    }

    private static async Task<byte[]> ReadSequentially(ObjectReader reader, int requestSize)
    {
        var result = new MemoryStream();
        var buffer = new byte[requestSize];
        for (long offset = 0; ; offset += requestSize)
        {
            int n = reader.TryRead(offset, buffer, out int ready) ? ready : await reader.ReadAsync(offset, buffer, CancellationToken.None);
            if (n == 0) return result.ToArray();
            result.Write(buffer, 0, n);
        }
    }

    [Fact]
    public async Task SmallFileCostsOneGet()
    {
        var (store, content) = Object(100 * 1024);
        using var reader = new ObjectReader(store, "k", "\"v1\"", content.Length, new MemoryLimiter(1 << 30), Tuning);

        Assert.Equal(content, await ReadSequentially(reader, 128 * 1024));
        Assert.Equal(1, store.Reads);
    }

    [Fact]
    public async Task SequentialReadGrowsItsRequestsAndReturnsTheBytes()
    {
        var (store, content) = Object(100 << 20);
        var limiter = new MemoryLimiter(1 << 30);
        using (var reader = new ObjectReader(store, "k", "\"v1\"", content.Length, limiter, Tuning))
        {
            Assert.Equal(content, await ReadSequentially(reader, 128 * 1024));
        }
        var sizes = store.ReadRanges.Select(r => r.Length).ToList();
        Assert.True(sizes.Max() >= 4 << 20, "requests should grow to several MiB");
        Assert.True(store.Reads < 60, $"{store.Reads} GETs for 100 MiB");
        Assert.Equal(0, limiter.Used);
    }

    [Fact]
    public async Task RandomReadFetchesOnlyAlignedBlocksAroundIt()
    {
        var (store, content) = Object(64 << 20);
        using var reader = new ObjectReader(store, "k", "\"v1\"", content.Length, new MemoryLimiter(1 << 30), Tuning);
        var buffer = new byte[4096];

        int n = await reader.ReadAsync(10_000_000, buffer, CancellationToken.None);

        Assert.Equal(4096, n);
        Assert.Equal(content.AsSpan(10_000_000, 4096).ToArray(), buffer);
        var (offset, length) = Assert.Single(store.ReadRanges);
        Assert.Equal(256 << 10, length);
        Assert.Equal(0, offset % (256 << 10));
    }

    [Fact]
    public async Task PrefetchStaysWithinTheMemoryBudget()
    {
        var (store, content) = Object(64 << 20);
        var limiter = new MemoryLimiter(4 << 20);
        using var reader = new ObjectReader(store, "k", "\"v1\"", content.Length, limiter, Tuning);
        var buffer = new byte[128 * 1024];
        for (long offset = 0; offset < 16 << 20; offset += buffer.Length)
        {
            await reader.ReadAsync(offset, buffer, CancellationToken.None);
            Assert.True(limiter.Used <= limiter.Limit + Tuning.MaxRequest, $"{limiter.Used} bytes held");
        }
    }

    [Fact]
    public async Task ChangedObjectFailsTheReadInsteadOfMixingVersions()
    {
        var (store, content) = Object(64 << 20);
        using var reader = new ObjectReader(store, "k", "\"v1\"", content.Length, new MemoryLimiter(1 << 30), Tuning);
        var buffer = new byte[128 * 1024];
        await reader.ReadAsync(0, buffer, CancellationToken.None);
        store.Put("k", new byte[content.Length]);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => reader.ReadAsync(60 << 20, buffer, CancellationToken.None));
        Assert.Equal(StoreError.PreconditionFailed, e.Error);
    }
}

public sealed class ObjectReaderConcurrencyTests
{
    [Fact]
    public async Task ManyLargeReadsInFlightAtOnceAllGetTheirBytes()
    {
        var store = new InMemoryObjectStore();
        var content = new byte[64 << 20];
        new Random(3).NextBytes(content);
        store.Put("k", content);
        using var reader = new ObjectReader(store, "k", "\"v1\"", content.Length, new MemoryLimiter(160 << 20), ReadTuning.From(new FilesystemOptions()));

        // The kernel's readahead keeps several 1 MiB reads in flight, in no fixed order.
        for (int window = 0; window < 64; window += 8)
        {
            var reads = Enumerable.Range(window, 8).Reverse().Select(async i =>
            {
                var buffer = new byte[1 << 20];
                int n = await reader.ReadAsync((long)i << 20, buffer, CancellationToken.None);
                return (i, n, buffer);
            }).ToList();
            foreach (var (i, n, buffer) in await Task.WhenAll(reads))
            {
                Assert.Equal(1 << 20, n);
                Assert.True(content.AsSpan(i << 20, 1 << 20).SequenceEqual(buffer), $"MiB {i} differs");
            }
        }
    }
}
