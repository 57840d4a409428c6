using Bucketfs.Core.Cache;

namespace Bucketfs.Core.Tests.Cache;

/// <summary>Two mounts on one cache directory, each with its own index and budget, as two processes would be.</summary>
public sealed class SharedDirectoryTests : IDisposable
{
    private const int Block = CacheDirectory.BlockSize;
    private readonly CacheDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task TwoCachesStoringAndReadingTheSameObjectsFromManyThreadsOnlyEverServeTheSourceBytes()
    {
        var objects = Enumerable.Range(0, 24)
            .Select(i => (Key: $"k{i}", Content: CacheDirectory.Content(Block * (1 + i % 6) + i * 97 % Block, seed: i)))
            .ToArray();
        long total = objects.Sum(o => (long)o.Content.Length);
        // Each holds about half of everything, so each keeps evicting files the other has open.
        using var first = _directory.Open(total / 2);
        using var second = _directory.Open(total / 2);
        var caches = new[] { first, second };
        int served = 0, handedOut = 0;
        var until = DateTime.UtcNow.AddSeconds(3);

        var workers = Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(() =>
        {
            var random = new Random(t);
            var buffer = new byte[3 * Block];
            while (DateTime.UtcNow < until)
            {
                var (key, content) = objects[random.Next(objects.Length)];
                using var cached = caches[random.Next(2)].Object(CacheDirectory.Bucket, key, "\"e\"", content.Length);
                for (int i = 0; i < 8; i++)
                {
                    int offset = random.Next(content.Length);
                    int length = Math.Min(random.Next(1, buffer.Length + 1), content.Length - offset);
                    var destination = buffer.AsSpan(0, length);
                    if (cached.TryRead(offset, destination))
                    {
                        Assert.True(destination.SequenceEqual(content.AsSpan(offset, length)), $"{key} [{offset}, {offset + length}) served wrong bytes");
                        Interlocked.Increment(ref served);
                    }
                    else
                    {
                        // As a reader would: fetch the aligned blocks around the miss and store them.
                        int start = offset / Block * Block;
                        int end = Math.Min(content.Length, (offset + length + Block - 1) / Block * Block);
                        cached.Store(start, content.AsSpan(start, end - start));
                    }
                }
                if (random.Next(4) == 0 && cached.OpenComplete() is { } file)
                {
                    using (file)
                    {
                        var whole = new byte[content.Length];
                        Assert.Equal(content.Length, FileRead.Fully(file, whole, 0));
                        Assert.Equal(content, whole);
                        Interlocked.Increment(ref handedOut);
                    }
                }
            }
        }, TaskCreationOptions.LongRunning));
        await Task.WhenAll(workers);

        Assert.True(served > 1000, $"only {served} reads were served from the cache");
        Assert.True(handedOut > 0, "no complete file was handed out");
        // Each counts what the other stored once it has read it, so only the sum of both is bounded.
        Assert.All(caches, cache => Assert.InRange(cache.Status().BytesUsed, 0, total));
    }
}
