using Bucketfs.Core.Cache;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.Core.Tests.Cache;

/// <summary>A fresh cache directory per test, deleted after it, with small blocks so tests stay fast.</summary>
internal sealed class CacheDirectory : IDisposable
{
    public const int BlockSize = 4096;
    public const string Bucket = "bucket";

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bucketfs-cache-tests-" + Guid.NewGuid().ToString("N"));

    public DataCacheOptions Options(long maxBytes = 1L << 30) => new(Path) { BlockSize = BlockSize, MaxBytes = maxBytes, MinFreeBytes = 0 };

    public DataCache Open(long maxBytes = 1L << 30, ILogger? log = null) => DataCache.Open(Options(maxBytes), log ?? NullLogger.Instance);

    public string DataPath(string key, string etag) => CacheLayout.DataPath(Path, ObjectId.Of(Bucket, key, etag));

    public string BlocksPath(string key, string etag) => CacheLayout.BlocksPath(Path, ObjectId.Of(Bucket, key, etag));

    public static byte[] Content(int size, int seed)
    {
        var content = new byte[size];
        new Random(seed).NextBytes(content);
        return content;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
