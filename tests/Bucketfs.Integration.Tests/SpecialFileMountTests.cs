namespace Bucketfs.Integration.Tests;

/// <summary>
/// FIFOs, sockets and device nodes made with mkfifo, mknod and bind(2) through a real mount: stat,
/// listings and the bucket show them as s3fs stores them, and s3fs 1.90 and bucketfs each show
/// those the other made. Opening them is the kernel's business (a FIFO passes data without the daemon).
/// </summary>
public sealed class SpecialFileMountTests
{
    /// <summary>find's type letter, octal mode and name of each, as both tools must show them.</summary>
    private static readonly string[] Listed = ["b 600 disk", "c 620 null", "p 640 fifo", "s 755 sock"];

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task MkfifoMknodAndBindMakeSpecialFilesThatStatListingsAndTheBucketShow(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using (var mount = BucketMount.Start(store, bucket))
        {
            MakeSpecials(mount["dir"]);
            Assert.Equal("fifo|640|0|0", StatOf(mount["dir/fifo"]));
            Assert.Equal("character special file|620|1|3", StatOf(mount["dir/null"]));
            Assert.Equal("block special file|600|8|1", StatOf(mount["dir/disk"]));
            Assert.Equal("socket|755|0|0", StatOf(mount["dir/sock"]));
            // Both ends open in the kernel's pipe: nothing of it reaches the daemon or the store.
            Assert.Equal("through the fifo", S3fsMount.Run("sh", "-c", $"echo 'through the fifo' > '{mount["dir/fifo"]}' & cat '{mount["dir/fifo"]}'").Trim());
        }

        Assert.Equal(Array.Empty<byte>(), await store.GetAsync(bucket, "dir/fifo"));
        var fifo = await store.MetadataAsync(bucket, "dir/fifo");
        Assert.Equal($"{0x1000 | 0x1A0}", fifo["mode"]);
        Assert.False(fifo.ContainsKey("rdev"));
        var device = await store.MetadataAsync(bucket, "dir/null");
        Assert.Equal($"{0x2000 | 0x190}", device["mode"]);
        Assert.Equal($"{1 << 8 | 3}", device["rdev"]);

        using var fresh = BucketMount.Start(store, bucket);
        Assert.Equal(Listed, FindIn(fresh["dir"]));
        Assert.Equal("character special file|620|1|3", StatOf(fresh["dir/null"]));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task SpecialFilesEitherS3fsOrBucketfsMakesTheOtherShows(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using (var mount = BucketMount.Start(store, bucket)) MakeSpecials(mount["by-bucketfs"]);
        using (var s3fs = S3fsMount.Start(store, bucket))
        {
            MakeSpecials(s3fs["by-s3fs"]);
            Assert.Equal(Listed, FindIn(s3fs["by-bucketfs"]));
            // s3fs keeps no device number: it shows 0,0 for any device.
            Assert.Equal("character special file|620|0|0", StatOf(s3fs["by-bucketfs/null"]));
        }
        using var fresh = BucketMount.Start(store, bucket);
        Assert.Equal(Listed, FindIn(fresh["by-s3fs"]));
        Assert.Equal("fifo|640|0|0", StatOf(fresh["by-s3fs/fifo"]));
        Assert.Equal("socket|755|0|0", StatOf(fresh["by-s3fs/sock"]));
    }

    /// <summary>One of each kind, with the command-line tools (a socket by bind(2) from python3) and the test's umask 022.</summary>
    private static void MakeSpecials(string directory)
    {
        Directory.CreateDirectory(directory);
        S3fsMount.Run("mkfifo", "-m", "640", Path.Combine(directory, "fifo"));
        S3fsMount.Run("mknod", "-m", "620", Path.Combine(directory, "null"), "c", "1", "3");
        S3fsMount.Run("mknod", "-m", "600", Path.Combine(directory, "disk"), "b", "8", "1");
        S3fsMount.Run("sh", "-c", "umask 022 && exec python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \"$0\"", Path.Combine(directory, "sock"));
    }

    /// <summary>stat(1): type, octal mode, and the device's major and minor number (hex, 0 for other types).</summary>
    private static string StatOf(string path) => S3fsMount.Run("stat", "-c", "%F|%a|%t|%T", path).Trim();

    /// <summary>A listing as find(1) reads it: each entry's type, mode and name, sorted.</summary>
    private static string[] FindIn(string directory) =>
        [.. S3fsMount.Run("find", directory, "-mindepth", "1", "-printf", "%y %m %f\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
}
