using System.Security.Cryptography;

namespace Bucketfs.Integration.Tests;

/// <summary>On Swift's own API, a Static Large Object replaced or removed through the mount leaves none of its segments behind.</summary>
public sealed class LargeObjectSegmentTests
{
    [Fact]
    public async Task OverwritingALargeObjectDeletesTheSegmentsOfTheVersionItReplaced()
    {
        var store = TestStore.Get(TestStore.NativeSwift);
        string bucket = await store.NewBucketAsync();
        // Written through Swift's S3 API, as another client leaves one: its segments are in BUCKET+segments.
        await store.PutLargeAsync(bucket, "theirs", (64 << 20) + 5, seed: 1);
        Assert.NotEmpty(await store.SwiftNamesAsync(bucket + "+segments"));
        using var mount = BucketMount.Start(store, bucket);

        Assert.Contains(mount["theirs"], Directory.GetFiles(mount.Path));
        File.WriteAllBytes(mount["theirs"], "small now"u8.ToArray());
        Assert.Empty(await store.SwiftNamesAsync(bucket + "+segments"));
        Assert.Equal("small now"u8.ToArray(), await store.GetAsync(bucket, "theirs"));

        File.WriteAllBytes(mount["mine"], RandomNumberGenerator.GetBytes(20 << 20));
        var first = await store.SwiftNamesAsync(bucket + "_segments");
        Assert.NotEmpty(first);
        var content = RandomNumberGenerator.GetBytes(20 << 20);
        File.WriteAllBytes(mount["mine"], content);
        var second = await store.SwiftNamesAsync(bucket + "_segments");
        Assert.NotEmpty(second);
        Assert.Empty(second.Intersect(first));
        Assert.Equal(SHA256.HashData(content), SHA256.HashData((await store.GetAsync(bucket, "mine"))!));

        File.Delete(mount["mine"]);
        Assert.Empty(await store.SwiftNamesAsync(bucket + "_segments"));
    }
}
