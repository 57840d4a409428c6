using System.Security.Cryptography;

namespace Bucketfs.Integration.Tests;

/// <summary>Bytes read through the mount are the object's bytes, one version only.</summary>
public sealed class ReadTests
{
    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task WholeAndRangedReadsMatchTheObject(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var sizes = new[] { 0, 1, 4095, 100 * 1024, 1 << 20, (3 << 20) + 7, 37 << 20 };
        var contents = sizes.ToDictionary(s => $"f{s}", s => RandomNumberGenerator.GetBytes(s));
        foreach (var (key, content) in contents) await store.PutAsync(bucket, key, content);
        using var mount = BucketMount.Start(store, bucket);

        foreach (var (key, content) in contents)
            Assert.Equal(SHA256.HashData(content), SHA256.HashData(File.ReadAllBytes(mount[key])));

        var big = contents[$"f{37 << 20}"];
        var random = new Random(7);
        using var handle = File.OpenHandle(mount[$"f{37 << 20}"]);
        for (int i = 0; i < 200; i++)
        {
            long offset = random.NextInt64(big.Length);
            var buffer = new byte[random.Next(1, 300_000)];
            int n = RandomAccess.Read(handle, buffer, offset);
            Assert.Equal(Math.Min(buffer.Length, big.Length - offset), n);
            Assert.True(big.AsSpan((int)offset, n).SequenceEqual(buffer.AsSpan(0, n)), $"bytes differ at {offset}");
        }
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task TwoGibSequentialReadMatchesItsChecksum(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        try
        {
            var expected = await store.PutLargeAsync(bucket, "big.bin", 2L << 30, seed: 42);
            using var mount = BucketMount.Start(store, bucket);
            using var stream = new FileStream(mount["big.bin"], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            Assert.Equal(expected, await SHA256.HashDataAsync(stream));
        }
        finally
        {
            await store.DeleteBucketAsync(bucket);
        }
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task ConcurrentReadersEachGetTheirOwnBytes(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var contents = Enumerable.Range(0, 6).ToDictionary(i => $"c{i}", i => RandomNumberGenerator.GetBytes((9 << 20) + i * 4099));
        foreach (var (key, content) in contents) await store.PutAsync(bucket, key, content);
        using var mount = BucketMount.Start(store, bucket);

        // Six files read at once, and one file read by three readers at once.
        var readers = contents.Select(c => Task.Run(() => (c.Value, File.ReadAllBytes(mount[c.Key]))))
            .Concat(Enumerable.Range(0, 3).Select(_ => Task.Run(() => (contents["c0"], File.ReadAllBytes(mount["c0"])))));
        foreach (var (expected, actual) in await Task.WhenAll(readers))
            Assert.Equal(SHA256.HashData(expected), SHA256.HashData(actual));
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task ObjectReplacedDuringAReadFailsTheReadInsteadOfMixingVersions(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var first = new byte[64 << 20];
        Array.Fill(first, (byte)'A');
        await store.PutAsync(bucket, "changing", first);
        using var mount = BucketMount.Start(store, bucket);

        using var stream = new FileStream(mount["changing"], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        var head = new byte[1 << 20];
        stream.ReadExactly(head);
        Assert.All(head, b => Assert.Equal((byte)'A', b));

        var second = new byte[64 << 20];
        Array.Fill(second, (byte)'B');
        await store.PutAsync(bucket, "changing", second);

        var rest = new MemoryStream();
        var failure = Record.Exception(() => stream.CopyTo(rest, 1 << 20));
        Assert.DoesNotContain((byte)'B', rest.ToArray());
        Assert.IsAssignableFrom<IOException>(failure);
    }
}
