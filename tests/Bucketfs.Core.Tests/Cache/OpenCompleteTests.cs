using Bucketfs.Core.Cache;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Core.Tests.Cache;

public sealed class OpenCompleteTests : IDisposable
{
    private const int Block = CacheDirectory.BlockSize;
    private readonly CacheDirectory _directory = new();
    private readonly byte[] _content = CacheDirectory.Content(3 * Block + 123, seed: 1);

    public void Dispose() => _directory.Dispose();

    private static byte[] ReadAll(SafeFileHandle file)
    {
        var bytes = new byte[RandomAccess.GetLength(file)];
        Assert.Equal(bytes.Length, FileRead.Fully(file, bytes, 0));
        return bytes;
    }

    [Fact]
    public void NullUntilEveryBlockIsStoredThenTheObjectByteForByte()
    {
        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", _content.Length);
        Assert.Null(cached.OpenComplete());

        cached.Store(0, _content.AsSpan(0, 3 * Block));
        Assert.Null(cached.OpenComplete());

        cached.Store(3 * Block, _content.AsSpan(3 * Block));
        using var file = cached.OpenComplete();
        Assert.NotNull(file);
        Assert.Equal(_content, ReadAll(file));
        Assert.Throws<UnauthorizedAccessException>(() => RandomAccess.Write(file, new byte[1], 0));
    }

    [Fact]
    public void CorruptedCompleteFileIsNotHandedOut()
    {
        using (var cache = _directory.Open())
        using (var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", _content.Length))
        {
            cached.Store(0, _content);
        }
        using (var data = File.OpenHandle(_directory.DataPath("k", "\"e\""), FileMode.Open, FileAccess.Write))
            RandomAccess.Write(data, [(byte)~_content[^1]], _content.Length - 1);

        using var reopened = _directory.Open();
        using var again = reopened.Object(CacheDirectory.Bucket, "k", "\"e\"", _content.Length);
        Assert.True(again.IsComplete);
        Assert.Null(again.OpenComplete());
        Assert.False(again.IsComplete);
    }

    [Fact]
    public void FileChangedAfterItWasVerifiedIsVerifiedAgain()
    {
        using var cache = _directory.Open();
        using var cached = cache.Object(CacheDirectory.Bucket, "k", "\"e\"", _content.Length);
        cached.Store(0, _content);
        using (var first = cached.OpenComplete()) Assert.NotNull(first);

        // Another mount evicts the object and creates it again, with a block that never reached the disk.
        File.Delete(_directory.BlocksPath("k", "\"e\""));
        File.Copy(_directory.DataPath("k", "\"e\""), _directory.DataPath("k", "\"e\"") + ".tmp");
        File.Delete(_directory.DataPath("k", "\"e\""));
        File.Move(_directory.DataPath("k", "\"e\"") + ".tmp", _directory.DataPath("k", "\"e\""));
        using (var data = File.OpenHandle(_directory.DataPath("k", "\"e\""), FileMode.Open, FileAccess.Write))
            RandomAccess.Write(data, new byte[Block], 0);

        Assert.Null(cached.OpenComplete());
    }
}
