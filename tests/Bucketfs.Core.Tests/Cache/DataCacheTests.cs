using Bucketfs.Core.Cache;

namespace Bucketfs.Core.Tests.Cache;

public sealed class DataCacheTests : IDisposable
{
    private const int Block = CacheDirectory.BlockSize;
    private readonly CacheDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static byte[] Read(CachedObject cached, long offset, int length)
    {
        var buffer = new byte[length];
        Assert.True(cached.TryRead(offset, buffer), $"[{offset}, {offset + length}) should be cached");
        return buffer;
    }

    [Fact]
    public void StoredBlocksReadBackIncludingTheShortLastBlock()
    {
        var content = CacheDirectory.Content(5 * Block + 1000, seed: 1);
        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);

        cached.Store(0, content);

        Assert.Equal(content, Read(cached, 0, content.Length));
        Assert.Equal(content[(5 * Block)..], Read(cached, 5 * Block, 1000));
        Assert.True(cached.IsComplete);
        Assert.Equal(new DataCacheStatus(_directory.Path, 1, 1, content.Length, 1L << 30), cache.Status());
    }

    [Fact]
    public void RangedReadInsideOneBlockReturnsJustThoseBytes()
    {
        var content = CacheDirectory.Content(3 * Block, seed: 2);
        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);
        cached.Store(Block, content.AsSpan(Block, Block));

        Assert.Equal(content.AsSpan(Block + 100, 300).ToArray(), Read(cached, Block + 100, 300));
        Assert.False(cached.TryRead(Block - 1, new byte[2]), "a read reaching into a missing block is not served");
        Assert.False(cached.IsComplete);
    }

    [Fact]
    public void PartialBlocksAreNotStored()
    {
        var content = CacheDirectory.Content(4 * Block, seed: 3);
        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);

        // Covers the end of block 0, all of block 1 and the start of block 2.
        cached.Store(Block / 2, content.AsSpan(Block / 2, 2 * Block));

        Assert.False(cached.TryRead(0, new byte[1]));
        Assert.Equal(content.AsSpan(Block, Block).ToArray(), Read(cached, Block, Block));
        Assert.False(cached.TryRead(2 * Block, new byte[1]));
        Assert.Equal(Block, cache.Status().BytesUsed);
    }

    [Fact]
    public void ReadsBeyondTheObjectAreNotServed()
    {
        var content = CacheDirectory.Content(Block, seed: 4);
        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);
        cached.Store(0, content);

        Assert.False(cached.TryRead(Block - 10, new byte[20]));
        Assert.True(cached.TryRead(Block, []));
    }

    [Fact]
    public void EmptyObjectIsCompleteAtOnce()
    {
        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, "empty", "\"e\"", 0);

        Assert.True(cached.IsComplete);
        Assert.True(cached.TryRead(0, []));
        using var file = cached.OpenComplete();
        Assert.NotNull(file);
        Assert.Equal(0, RandomAccess.GetLength(file));
    }

    [Fact]
    public void CachedDataSurvivesReopeningTheDirectory()
    {
        var content = CacheDirectory.Content(2 * Block + 5, seed: 5);
        using (var cache = _directory.Open())
        using (var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length))
        {
            cached.Store(0, content.AsSpan(0, Block));
        }

        using var reopened = _directory.Open();
        Assert.Equal(new DataCacheStatus(_directory.Path, 1, 0, Block, 1L << 30), reopened.Status());
        using var again = reopened.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);
        Assert.Equal(content.AsSpan(0, Block).ToArray(), Read(again, 0, Block));
        Assert.False(again.TryRead(Block, new byte[1]));
    }

    [Fact]
    public void EachVersionIsCachedApart()
    {
        var v1 = CacheDirectory.Content(Block, seed: 6);
        var v2 = CacheDirectory.Content(Block, seed: 7);
        using var cache = _directory.Open();
        using (var first = cache.Object(CacheDirectory.Bucket, "k", "\"v1\"", Block)) first.Store(0, v1);
        using (var second = cache.Object(CacheDirectory.Bucket, "k", "\"v2\"", Block)) second.Store(0, v2);

        using var one = cache.Object(CacheDirectory.Bucket, "k", "\"v1\"", Block);
        using var two = cache.Object(CacheDirectory.Bucket, "k", "\"v2\"", Block);
        Assert.Equal(v1, Read(one, 0, Block));
        Assert.Equal(v2, Read(two, 0, Block));
    }

    [Fact]
    public void StoreIsSkippedWhenTheDiskIsShortOfFreeSpace()
    {
        var content = CacheDirectory.Content(Block, seed: 8);
        using var cache = DataCache.Open(_directory.Options() with { MinFreeBytes = long.MaxValue }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);

        cached.Store(0, content);

        Assert.False(cached.TryRead(0, new byte[1]));
        Assert.Equal(0, cache.Status().BytesUsed);
    }

    [Fact]
    public void InspectCountsWhatALiveCacheLeft()
    {
        var whole = CacheDirectory.Content(2 * Block, seed: 9);
        var part = CacheDirectory.Content(3 * Block, seed: 10);
        using (var cache = _directory.Open())
        {
            using (var cached = cache.Object(CacheDirectory.Bucket, "whole", "\"e\"", whole.Length)) cached.Store(0, whole);
            using (var cached = cache.Object(CacheDirectory.Bucket, "part", "\"e\"", part.Length)) cached.Store(0, part.AsSpan(0, Block));
        }

        Assert.Equal(new DataCacheStatus(_directory.Path, 2, 1, 3 * Block, null), DataCache.Inspect(_directory.Path));
    }

    [Fact]
    public void InspectOfAMissingDirectoryIsEmpty()
    {
        Assert.Equal(new DataCacheStatus(_directory.Path, 0, 0, 0, null), DataCache.Inspect(_directory.Path));
        Assert.False(Directory.Exists(_directory.Path));
    }

    [Fact]
    public void StaticClearEmptiesTheDirectoryWhileALiveCacheKeepsReadingWhatItHasOpen()
    {
        var content = CacheDirectory.Content(2 * Block, seed: 11);
        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);
        cached.Store(0, content);

        DataCache.Clear(_directory.Path);

        Assert.Equal(0, DataCache.Inspect(_directory.Path).Objects);
        Assert.Empty(Directory.EnumerateFiles(_directory.Path, "*", SearchOption.AllDirectories));
        Assert.Equal(content, Read(cached, 0, content.Length));
        // The next open starts afresh and caches again.
        using var reopened = cache.Object(CacheDirectory.Bucket, "other", "\"e\"", content.Length);
        reopened.Store(0, content);
        Assert.Equal(content, Read(reopened, 0, content.Length));
    }

    [Fact]
    public void ClearRemovesObjectsNotInUseAndKeepsThoseThatAre()
    {
        var content = CacheDirectory.Content(Block, seed: 12);
        using var cache = _directory.Open();
        using (var idle = cache.Object(CacheDirectory.Bucket, "idle", "\"e\"", Block)) idle.Store(0, content);
        using var busy = cache.Object(CacheDirectory.Bucket, "busy", "\"e\"", Block);
        busy.Store(0, content);

        cache.Clear();

        Assert.Equal(new DataCacheStatus(_directory.Path, 1, 1, Block, 1L << 30), cache.Status());
        Assert.False(File.Exists(_directory.DataPath("idle", "\"e\"")));
        Assert.Equal(content, Read(busy, 0, Block));
        Assert.Equal(1, DataCache.Inspect(_directory.Path).Objects);
    }

    [Fact]
    public void DataFileIsSparseAndExactlyTheObjectsLength()
    {
        var content = CacheDirectory.Content(10 * Block + 7, seed: 13);
        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);
        cached.Store(3 * Block, content.AsSpan(3 * Block, Block));

        var data = File.ReadAllBytes(_directory.DataPath("k", "\"e\""));
        Assert.Equal(content.Length, data.Length);
        Assert.Equal(content.AsSpan(3 * Block, Block).ToArray(), data.AsSpan(3 * Block, Block).ToArray());
    }
}
