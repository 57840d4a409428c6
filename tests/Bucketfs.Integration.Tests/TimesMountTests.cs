namespace Bucketfs.Integration.Tests;

/// <summary>
/// Times and Content-Type through real mounts: what s3fs 1.90 stores, bucketfs shows the same in
/// a lookup, a listing and a relisting; bucketfs's own changes keep s3fs's conventions.
/// </summary>
public sealed class TimesMountTests
{
    /// <summary>stat(1)'s mtime, atime and ctime, with nanoseconds.</summary>
    private static string TimesOf(string path) => S3fsMount.Run("stat", "-c", "%y|%x|%z", path).Trim();

    /// <summary>find(1)'s listing: each entry's name and times, sorted.</summary>
    private static string[] Listing(string directory) =>
        [.. S3fsMount.Run("find", directory, "-mindepth", "1", "-printf", "%f %T+ %A+ %C+\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task TimesS3fsStoresShowTheSameInALookupAListingAndARelisting(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        string[] names = ["whole", "fraction", "plain"];
        Dictionary<string, string> expected;
        string[] s3fsListing;
        using (var s3fs = S3fsMount.Start(store, bucket))
        {
            Directory.CreateDirectory(s3fs["dir"]);
            foreach (string name in names) File.WriteAllText(s3fs[$"dir/{name}"], name);
            S3fsMount.Run("touch", "-d", "2020-01-02 03:04:05", s3fs["dir/whole"]);
            S3fsMount.Run("touch", "-d", "2020-01-02 03:04:05.123456789", s3fs["dir/fraction"]);
            expected = names.ToDictionary(n => n, n => TimesOf(s3fs[$"dir/{n}"]));
            s3fsListing = Listing(s3fs["dir"]);
        }
        Assert.StartsWith("2020-01-02 03:04:05.123456789", expected["fraction"]);

        using var mount = BucketMount.Start(store, bucket, "--metadata-ttl", "2");
        foreach (string name in names) Assert.Equal(expected[name], TimesOf(mount[$"dir/{name}"]));
        Assert.Equal(s3fsListing, Listing(mount["dir"]));
        mount.WaitPastMetadataTtl();
        Assert.Equal(s3fsListing, Listing(mount["dir"]));
        foreach (string name in names) Assert.Equal(expected[name], TimesOf(mount[$"dir/{name}"]));

        using var fresh = BucketMount.Start(store, bucket, "--metadata-ttl", "2");
        Assert.Equal(s3fsListing, Listing(fresh["dir"]));
        fresh.WaitPastMetadataTtl();
        foreach (string name in names) Assert.Equal(expected[name], TimesOf(fresh[$"dir/{name}"]));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task ChmodMovesCtimeAndKeepsMtime(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket, "--metadata-ttl", "2");
        File.WriteAllText(mount["f"], "x");
        S3fsMount.Run("touch", "-d", "2020-01-02 03:04:05.5", mount["f"]);
        string before = TimesOf(mount["f"]);

        S3fsMount.Run("chmod", "600", mount["f"]);

        string after = TimesOf(mount["f"]);
        Assert.Equal(before.Split('|')[0], after.Split('|')[0]);
        Assert.NotEqual(before.Split('|')[2], after.Split('|')[2]);
        mount.WaitPastMetadataTtl();
        Assert.Equal(after, TimesOf(mount["f"]));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task ANewJsonFileIsApplicationJsonAndKeepsItThroughARename(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using (var mount = BucketMount.Start(store, bucket))
        {
            File.WriteAllText(mount["x.json"], "{}");
            File.WriteAllText(mount["y.json"], "{}");
        }
        Assert.Equal("application/json", await store.ContentTypeAsync(bucket, "x.json"));
        using (var mount = BucketMount.Start(store, bucket)) File.Move(mount["y.json"], mount["renamed"]);
        Assert.Equal("application/json", await store.ContentTypeAsync(bucket, "renamed"));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task ADirectoryChmodKeepsItsMarkersOtherHeaders(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "d/", [], new Dictionary<string, string> { ["mode"] = "16877", ["custom"] = "kept" });
        string contentType = await store.ContentTypeAsync(bucket, "d/");
        using (var mount = BucketMount.Start(store, bucket)) S3fsMount.Run("chmod", "700", mount["d"]);

        var metadata = await store.MetadataAsync(bucket, "d/");
        Assert.Equal("kept", metadata["custom"]);
        Assert.Equal($"{0x4000 | 0x1C0}", metadata["mode"]);
        Assert.Equal(["atime", "ctime", "custom", "gid", "mode", "mtime", "uid"], metadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(contentType, await store.ContentTypeAsync(bucket, "d/"));
    }
}
