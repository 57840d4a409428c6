using Bucketfs.Core.Cache;

namespace Bucketfs.Core.Tests.Cache;

public sealed class EvictionTests : IDisposable
{
    private const int Block = CacheDirectory.BlockSize;
    // Every object here is two blocks; the budget holds three of them.
    private const int ObjectSize = 2 * Block;
    private const long Budget = 3 * ObjectSize;
    private readonly CacheDirectory _directory = new();
    private readonly byte[] _content = CacheDirectory.Content(ObjectSize, seed: 1);

    public void Dispose() => _directory.Dispose();

    private CachedObject Object(DataCache cache, string key) => cache.Object(CacheDirectory.Bucket, key, "\"e\"", ObjectSize);

    private void Store(DataCache cache, string key)
    {
        using var cached = Object(cache, key);
        cached.Store(0, _content);
    }

    private bool IsCached(DataCache cache, string key)
    {
        using var cached = Object(cache, key);
        return cached.TryRead(0, new byte[ObjectSize]);
    }

    [Fact]
    public void LeastRecentlyUsedObjectIsEvictedWhole()
    {
        using var cache = _directory.Open(Budget);
        Store(cache, "a");
        Store(cache, "b");
        Store(cache, "c");
        using (Object(cache, "a")) { }

        Store(cache, "d");

        Assert.False(File.Exists(_directory.DataPath("b", "\"e\"")));
        Assert.False(File.Exists(_directory.BlocksPath("b", "\"e\"")));
        Assert.Equal(new DataCacheStatus(_directory.Path, 3, 3, Budget, Budget), cache.Status());
        Assert.True(IsCached(cache, "a"));
        Assert.True(IsCached(cache, "c"));
        Assert.True(IsCached(cache, "d"));
    }

    [Fact]
    public void ObjectsInUseAreNotEvicted()
    {
        using var cache = _directory.Open(Budget);
        using var a = Object(cache, "a");
        a.Store(0, _content);
        Store(cache, "b");
        Store(cache, "c");

        Store(cache, "d");

        Assert.True(a.TryRead(0, new byte[ObjectSize]));
        Assert.False(File.Exists(_directory.DataPath("b", "\"e\"")));
    }

    [Fact]
    public void StoreIsSkippedWhenEverythingElseIsInUse()
    {
        using var cache = _directory.Open(ObjectSize);
        using var a = Object(cache, "a");
        a.Store(0, _content);
        using var b = Object(cache, "b");

        b.Store(0, _content);

        Assert.False(b.TryRead(0, new byte[1]));
        Assert.True(a.TryRead(0, new byte[ObjectSize]));
        Assert.Equal(ObjectSize, cache.Status().BytesUsed);
    }

    [Fact]
    public void RecencyOrderSurvivesRestartThroughSidecarTimes()
    {
        using (var cache = _directory.Open(Budget))
        {
            Store(cache, "a");
            Store(cache, "b");
            Store(cache, "c");
        }
        var now = DateTime.UtcNow;
        File.SetLastWriteTimeUtc(_directory.BlocksPath("a", "\"e\""), now.AddHours(-1));
        File.SetLastWriteTimeUtc(_directory.BlocksPath("b", "\"e\""), now.AddHours(-3));
        File.SetLastWriteTimeUtc(_directory.BlocksPath("c", "\"e\""), now.AddHours(-2));

        using var reopened = _directory.Open(Budget);
        Store(reopened, "d");

        Assert.False(File.Exists(_directory.DataPath("b", "\"e\"")));
        Assert.True(IsCached(reopened, "a"));
        Assert.True(IsCached(reopened, "c"));
    }

    [Fact]
    public void ReopeningWithALowerLimitEvictsDownToIt()
    {
        using (var cache = _directory.Open(Budget))
        {
            Store(cache, "a");
            Store(cache, "b");
            Store(cache, "c");
        }

        using var reopened = _directory.Open(ObjectSize);

        Assert.Equal(1, reopened.Status().Objects);
        Assert.Equal(ObjectSize, reopened.Status().BytesUsed);
        Assert.Equal(1, DataCache.Inspect(_directory.Path).Objects);
    }

    [Fact]
    public void ObjectCountIsCapped()
    {
        using var cache = DataCache.Open(_directory.Options() with { MaxObjects = 2 }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Store(cache, "a");
        Store(cache, "b");
        Store(cache, "c");

        Assert.Equal(2, cache.Status().Objects);
        Assert.False(File.Exists(_directory.BlocksPath("a", "\"e\"")));
    }
}
