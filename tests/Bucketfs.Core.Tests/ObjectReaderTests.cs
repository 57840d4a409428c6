using Bucketfs.Core.Read;
using Bucketfs.ObjectStore;
using Bucketfs.Testing;

namespace Bucketfs.Core.Tests;

public sealed class ObjectReaderTests
{
    private static readonly ReadTuning Tuning = ReadTuning.From(new FilesystemOptions());

    private static (MemoryObjectStore Store, byte[] Content, string ETag) Object(int size)
    {
        var store = new MemoryObjectStore();
        var content = new byte[size];
        new Random(size).NextBytes(content);
        string etag = store.PutDirect("k", content);
        return (store, content, etag);
    }

    private static async Task<byte[]> ReadSequentially(ObjectReader reader, int requestSize)
    {
        var result = new MemoryStream();
        var buffer = new byte[requestSize];
        for (long offset = 0; ; offset += requestSize)
        {
            int n = await Read(reader, offset, buffer);
            if (n == 0) return result.ToArray();
            result.Write(buffer, 0, n);
        }
    }

    /// <summary>Leases as the filesystem does: the read is planned once, then waited for.</summary>
    private static Task<ReadLease> Lease(ObjectReader reader, long offset, int length) =>
        reader.WaitAsync(reader.Lease(offset, length), CancellationToken.None);

    internal static async Task<int> Read(ObjectReader reader, long offset, byte[] buffer)
    {
        using var lease = await Lease(reader, offset, buffer.Length);
        return lease.CopyTo(buffer);
    }

    [Fact]
    public async Task SmallFileCostsOneGetOfTheWholeObject()
    {
        var (store, content, etag) = Object(100 * 1024);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, new MemoryLimiter(1 << 30), Tuning);

        Assert.Equal(content, await ReadSequentially(reader, 128 * 1024));
        Assert.Equal(1, store.Calls(StoreOperation.AnyRead));
        Assert.Equal(1, store.Calls(StoreOperation.ReadWhole));
    }

    [Fact]
    public async Task ItsSummarySaysWhatTheHandleFetched()
    {
        var (store, content, etag) = Object(16 << 20);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, new MemoryLimiter(1 << 30), Tuning);

        await Read(reader, 0, new byte[128 * 1024]);
        await Read(reader, 12 << 20, new byte[64 * 1024]);

        Assert.Matches(@"^[1-9]\d* GETs, \d+ bytes of 16777216 fetched, 1 window restarts, 0 stragglers, 0 holes filled, window \d+ MiB$", reader.ToString());
    }

    [Fact]
    public async Task SequentialReadGrowsItsRequestsAndReturnsTheBytes()
    {
        var (store, content, etag) = Object(100 << 20);
        var limiter = new MemoryLimiter(1 << 30);
        using (var reader = new ObjectReader(store, () => "k", etag, content.Length, limiter, Tuning))
        {
            Assert.Equal(content, await ReadSequentially(reader, 128 * 1024));
        }
        var sizes = store.ReadRanges().Select(r => r.Length).ToList();
        Assert.True(sizes.Max() >= 4 << 20, "requests should grow to several MiB");
        Assert.True(store.Calls(StoreOperation.AnyRead) < 60, $"{store.Calls(StoreOperation.AnyRead)} GETs for 100 MiB");
        Assert.Equal(0, limiter.Used);
    }

    [Fact]
    public async Task WindowGrowsPastItsUsualLargestWhileReadsWaitForDataOnItsWayUpToThreeQuartersOfTheBudget()
    {
        var (store, content, etag) = Object(128 << 20);
        var limiter = new MemoryLimiter(64 << 20);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, limiter, Tuning);
        // Nothing arrives while the reads are planned, as behind a store's latency: each read finds its data still on its way.
        var held = store.Hold(StoreOperation.AnyRead);
        var leases = new List<ReadLease>();
        for (long offset = 0; offset < 40 << 20; offset += 1 << 20) leases.Add(reader.Lease(offset, 1 << 20));

        Assert.EndsWith("window 48 MiB", reader.ToString());

        held.Release();
        for (int i = 0; i < leases.Count; i++)
        {
            using var lease = await reader.WaitAsync(leases[i], CancellationToken.None);
            var buffer = new byte[1 << 20];
            Assert.Equal(buffer.Length, lease.CopyTo(buffer));
            Assert.True(content.AsSpan(i << 20, 1 << 20).SequenceEqual(buffer));
        }
    }

    [Fact]
    public async Task RandomReadFetchesOnlyAlignedBlocksAroundIt()
    {
        var (store, content, etag) = Object(64 << 20);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, new MemoryLimiter(1 << 30), Tuning);
        var buffer = new byte[4096];

        int n = await Read(reader, 10_000_000, buffer);

        Assert.Equal(4096, n);
        Assert.Equal(content.AsSpan(10_000_000, 4096).ToArray(), buffer);
        var range = Assert.Single(store.ReadRanges());
        Assert.Equal(256 << 10, range.Length);
        Assert.Equal(0, range.Offset % (256 << 10));
    }

    [Fact]
    public async Task PrefetchStaysWithinTheMemoryBudget()
    {
        var (store, content, etag) = Object(64 << 20);
        var limiter = new MemoryLimiter(4 << 20);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, limiter, Tuning);
        var buffer = new byte[128 * 1024];
        for (long offset = 0; offset < 16 << 20; offset += buffer.Length)
        {
            await Read(reader, offset, buffer);
            Assert.True(limiter.Used <= limiter.Limit + Tuning.MaxRequest, $"{limiter.Used} bytes held");
        }
    }

    [Fact]
    public async Task ChangedObjectFailsTheReadInsteadOfMixingVersions()
    {
        var (store, content, etag) = Object(64 << 20);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, new MemoryLimiter(1 << 30), Tuning);
        var buffer = new byte[128 * 1024];
        await Read(reader, 0, buffer);
        store.PutDirect("k", new byte[content.Length]);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => Read(reader, 60 << 20, buffer));
        Assert.Equal(StoreError.PreconditionFailed, e.Error);
    }

    [Fact]
    public async Task ReadArrivingLateBehindTheWindowDoesNotRestartIt()
    {
        var (store, content, etag) = Object(100 << 20);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, new MemoryLimiter(1 << 30), Tuning);
        var buffer = new byte[1 << 20];
        for (int mib = 0; mib < 50; mib++) await Read(reader, (long)mib << 20, buffer);

        Assert.Equal(1 << 20, await Read(reader, 30 << 20, buffer));
        Assert.True(content.AsSpan(30 << 20, 1 << 20).SequenceEqual(buffer));
        for (int mib = 50; mib < 100; mib++) await Read(reader, (long)mib << 20, buffer);

        long fetched = store.ReadRanges().Sum(r => (long)r.Length);
        Assert.True(fetched <= (102L << 20), $"{fetched >> 20} MiB fetched for a 100 MiB object read once through");
    }

    [Fact]
    public async Task ReadInsideOneChunkIsServedFromItWithoutACopy()
    {
        var (store, content, etag) = Object(8 << 20);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, new MemoryLimiter(1 << 30), Tuning);

        (await Lease(reader, 0, 1 << 20)).Dispose();
        using var lease = await Lease(reader, 1 << 20, 1 << 20);

        Assert.True(lease.TrySingle(out var data));
        Assert.True(content.AsSpan(1 << 20, 1 << 20).SequenceEqual(data));
    }

    [Fact]
    public async Task ReadAcrossTwoChunksIsCopiedTogether()
    {
        var (store, content, etag) = Object(4 << 20);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, new MemoryLimiter(1 << 30), Tuning);
        long offset = (256 << 10) * 5 - 100; // random reads fetch 256 KiB blocks: this one ends 3,996 bytes into the next

        using var lease = await Lease(reader, offset, 4096);

        Assert.False(lease.TrySingle(out _));
        var buffer = new byte[4096];
        Assert.Equal(4096, lease.CopyTo(buffer));
        Assert.Equal(content.AsSpan((int)offset, 4096).ToArray(), buffer);
    }

    [Fact]
    public async Task ReadAtTheEndLeasesOnlyWhatTheObjectHas()
    {
        var (store, content, etag) = Object(100_000);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, new MemoryLimiter(1 << 30), Tuning);

        using (var lease = await Lease(reader, 0, 128 << 10))
        {
            Assert.True(lease.TrySingle(out var data));
            Assert.Equal(content, data.ToArray());
        }
        var past = reader.Lease(100_000, 4096);
        Assert.True(past.Ready);
        Assert.True(past.TrySingle(out var nothing));
        Assert.True(nothing.IsEmpty);
    }
}

public sealed class ReadBuffersTests
{
    [Fact]
    public void ReturnedBufferIsReusedForTheSameSizeClass()
    {
        var buffers = new ReadBuffers(idleAllowance: () => 1 << 20);
        var first = buffers.Rent(100_000);
        Assert.Equal(128 << 10, first.Capacity);
        buffers.Return(first);

        Assert.Same(first, buffers.Rent(70_000));
    }

    [Fact]
    public void BuffersBeyondTheIdleLimitAreReleased()
    {
        var buffers = new ReadBuffers(idleAllowance: () => 64 << 10);
        var a = buffers.Rent(1);
        var b = buffers.Rent(1);
        buffers.Return(a);
        buffers.Return(b);

        Assert.Same(a, buffers.Rent(1));
        Assert.NotSame(b, buffers.Rent(1));
    }

    [Fact]
    public void IdleBuffersOfOtherSizesMakeRoomForTheSizeInUse()
    {
        var buffers = new ReadBuffers(idleAllowance: () => 1 << 20);
        var small = buffers.Rent(512 << 10);
        var large = buffers.Rent(1 << 20);
        buffers.Return(small);
        buffers.Return(large);

        Assert.Same(large, buffers.Rent(1 << 20));
        Assert.NotSame(small, buffers.Rent(512 << 10));
    }

    [Fact]
    public void IdleBuffersStayOnlyWithinWhatTheBudgetLeavesFree()
    {
        var limiter = new MemoryLimiter(8 << 20);
        var buffer = limiter.Buffers.Rent(1 << 20);
        limiter.Reserve(MemoryArea.UploadParts, 8 << 20);
        limiter.Buffers.Return(buffer);
        limiter.Release(MemoryArea.UploadParts, 8 << 20);

        Assert.NotSame(buffer, limiter.Buffers.Rent(1 << 20));
    }

    [Fact]
    public void MappedMemoryHoldsWhatIsWritten()
    {
        var buffer = new ReadBuffers(() => 0).Rent(3 << 20);
        Assert.Equal(4 << 20, buffer.Capacity);
        buffer.Slice((3 << 20) - 1, 1)[0] = 42;
        Assert.Equal(42, buffer.Memory.Span[(3 << 20) - 1]);
    }
}

public sealed class ObjectReaderConcurrencyTests
{
    [Fact]
    public async Task ManyLargeReadsInFlightAtOnceAllGetTheirBytes()
    {
        var store = new MemoryObjectStore();
        var content = new byte[64 << 20];
        new Random(3).NextBytes(content);
        string etag = store.PutDirect("k", content);
        using var reader = new ObjectReader(store, () => "k", etag, content.Length, new MemoryLimiter(160 << 20), ReadTuning.From(new FilesystemOptions()));

        // The kernel's readahead keeps several 1 MiB reads in flight, in no fixed order.
        for (int window = 0; window < 64; window += 8)
        {
            var reads = Enumerable.Range(window, 8).Reverse().Select(async i =>
            {
                var buffer = new byte[1 << 20];
                int n = await ObjectReaderTests.Read(reader, (long)i << 20, buffer);
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
