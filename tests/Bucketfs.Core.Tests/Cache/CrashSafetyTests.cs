using Bucketfs.Core.Cache;

namespace Bucketfs.Core.Tests.Cache;

/// <summary>Whatever a crash, a bad disk or a stranger leaves in the directory, wrong bytes are never served.</summary>
public sealed class CrashSafetyTests : IDisposable
{
    private const int Block = CacheDirectory.BlockSize;
    private readonly CacheDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private void StoreAll(string key, string etag, byte[] content)
    {
        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, key, etag, content.Length);
        cached.Store(0, content);
    }

    private void Overwrite(string path, long offset, byte[] bytes)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        RandomAccess.Write(file, bytes, offset);
    }

    [Fact]
    public void CorruptedBlockIsDroppedReportedOnceAndStoredAgain()
    {
        var content = CacheDirectory.Content(3 * Block, seed: 1);
        StoreAll("k", "\"e\"", content);
        Overwrite(_directory.DataPath("k", "\"e\""), Block + 10, [(byte)~content[Block + 10]]);
        Overwrite(_directory.DataPath("k", "\"e\""), 2 * Block + 10, [(byte)~content[2 * Block + 10]]);
        var log = new ListLogger();

        using var cache = _directory.Open(log: log);
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);
        Assert.False(cached.TryRead(Block, new byte[5]), "verification covers the whole block, not just the bytes asked for");
        Assert.False(cached.TryRead(2 * Block, new byte[Block]));
        Assert.Single(log.Warnings);
        Assert.Equal(Block, cache.Status().BytesUsed);
        Assert.False(cached.IsComplete);

        cached.Store(0, content);

        var read = new byte[content.Length];
        Assert.True(cached.TryRead(0, read));
        Assert.Equal(content, read);
        Assert.Equal(content.Length, cache.Status().BytesUsed);
    }

    [Fact]
    public void RecordWhoseDataNeverReachedTheDiskIsNotServed()
    {
        var content = CacheDirectory.Content(2 * Block, seed: 2);
        using (var cache = _directory.Open())
        using (var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length))
        {
            cached.Store(0, content.AsSpan(0, Block));
        }
        // A crash after writing block 1's record but before its data: the record is right, the data zeros.
        int headerLength = BlockSidecar.Header(CacheDirectory.Bucket, "k", "\"e\"", new BlockGeometry(content.Length, Block)).Length;
        var record = new byte[BlockSidecar.RecordSize];
        BlockSidecar.Encode(record, Crc32C.Compute(content.AsSpan(Block, Block)));
        Overwrite(_directory.BlocksPath("k", "\"e\""), BlockSidecar.RecordOffset(headerLength, 1), record);

        using var reopened = _directory.Open();
        using var again = reopened.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);
        Assert.False(again.TryRead(Block, new byte[Block]));
        Assert.False(again.TryRead(0, new byte[content.Length]));
        var first = new byte[Block];
        Assert.True(again.TryRead(0, first));
        Assert.Equal(content.AsSpan(0, Block).ToArray(), first);
    }

    [Fact]
    public void DataWithoutItsRecordReadsAsMissing()
    {
        var content = CacheDirectory.Content(Block, seed: 3);
        StoreAll("k", "\"e\"", content);
        // A crash before the record was written: the data is all there, the sidecar only has its header.
        int headerLength = BlockSidecar.Header(CacheDirectory.Bucket, "k", "\"e\"", new BlockGeometry(content.Length, Block)).Length;
        using (var blocks = File.OpenHandle(_directory.BlocksPath("k", "\"e\""), FileMode.Open, FileAccess.Write)) RandomAccess.SetLength(blocks, headerLength);

        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);
        Assert.False(cached.TryRead(0, new byte[1]));
        Assert.Equal(0, cache.Status().BytesUsed);
    }

    [Fact]
    public void SidecarForAnotherSizeIsDiscarded()
    {
        var content = CacheDirectory.Content(2 * Block, seed: 4);
        StoreAll("k", "\"e\"", content);

        using var cache = _directory.Open();
        Assert.Equal(2 * Block, cache.Status().BytesUsed);
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length + 1);
        Assert.False(cached.TryRead(0, new byte[1]));
        Assert.Equal(0, cache.Status().BytesUsed);
        Assert.Equal(content.Length + 1, new FileInfo(_directory.DataPath("k", "\"e\"")).Length);
    }

    [Fact]
    public void SidecarForAnotherBlockSizeIsDiscarded()
    {
        var content = CacheDirectory.Content(4 * Block, seed: 5);
        StoreAll("k", "\"e\"", content);

        using var cache = DataCache.Open(_directory.Options() with { BlockSize = 2 * Block }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);
        Assert.False(cached.TryRead(0, new byte[1]));
        cached.Store(0, content);
        var read = new byte[content.Length];
        Assert.True(cached.TryRead(0, read));
        Assert.Equal(content, read);
    }

    [Fact]
    public void FilesOfAnotherObjectUnderThisNameAreNotServed()
    {
        var content = CacheDirectory.Content(Block, seed: 6);
        StoreAll("k", "\"old\"", content);
        Directory.CreateDirectory(Path.GetDirectoryName(_directory.DataPath("k", "\"new\""))!);
        File.Copy(_directory.DataPath("k", "\"old\""), _directory.DataPath("k", "\"new\""));
        File.Copy(_directory.BlocksPath("k", "\"old\""), _directory.BlocksPath("k", "\"new\""));

        using var cache = _directory.Open();
        Assert.Equal(1, cache.Status().Objects);
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"new\"", content.Length);
        Assert.False(cached.TryRead(0, new byte[1]));
    }

    [Fact]
    public void HeaderLeftShortByACrashIsCompleted()
    {
        var content = CacheDirectory.Content(Block, seed: 7);
        StoreAll("k", "\"e\"", content);
        using (var blocks = File.OpenHandle(_directory.BlocksPath("k", "\"e\""), FileMode.Open, FileAccess.Write)) RandomAccess.SetLength(blocks, 20);

        using var cache = _directory.Open();
        Assert.Equal(0, cache.Status().Objects);
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", content.Length);
        Assert.False(cached.TryRead(0, new byte[1]));
        cached.Store(0, content);
        Assert.True(cached.TryRead(0, new byte[Block]));
        Assert.Equal(1, DataCache.Inspect(_directory.Path).CompleteObjects);
    }

    [Fact]
    public void DataLeftWithoutItsSidecarIsDeletedAtStartup()
    {
        var content = CacheDirectory.Content(Block, seed: 8);
        StoreAll("k", "\"e\"", content);
        File.Delete(_directory.BlocksPath("k", "\"e\""));

        using var cache = _directory.Open();
        Assert.False(File.Exists(_directory.DataPath("k", "\"e\"")));
        Assert.Equal(0, cache.Status().Objects);
    }
}
