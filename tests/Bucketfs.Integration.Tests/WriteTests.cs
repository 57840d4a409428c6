using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Bucketfs.Integration.Tests;

/// <summary>What programs write through the mount is in the bucket, checked through the SDK, not the mount.</summary>
public sealed class WriteTests
{
    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task NewFilesAreInTheBucketWhenCloseReturns(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket);
        var small = RandomNumberGenerator.GetBytes(100 * 1024 + 3);
        var large = RandomNumberGenerator.GetBytes((40 << 20) + 5);

        File.WriteAllBytes(mount["small.bin"], small);
        Assert.Equal(small, await store.GetAsync(bucket, "small.bin"));
        using (var stream = new FileStream(mount["large.bin"], FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            stream.Write(large);
        Assert.Equal(SHA256.HashData(large), SHA256.HashData((await store.GetAsync(bucket, "large.bin"))!));
        File.WriteAllBytes(mount["empty"], []);
        Assert.Equal(Array.Empty<byte>(), await store.GetAsync(bucket, "empty"));
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task FileWrittenInOrderIsUploadedWhileItIsWritten(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket);
        var content = RandomNumberGenerator.GetBytes(50 << 20);

        using (var stream = new FileStream(mount["streamed"], FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
        {
            stream.Write(content, 0, 40 << 20);
            // The upload is started in the background: on a busy store it may take a moment to be listed.
            // On Swift's own API the parts are segment objects of a Static Large Object, in CONTAINER_segments.
            bool listed = await Eventually.PollAsync(
                async () => storeName == TestStore.NativeSwift
                    ? await SegmentsExistAsync(store, bucket, "streamed/")
                    : (await store.Client.ListMultipartUploadsAsync(bucket)).MultipartUploads?.Any(u => u.Key == "streamed") == true,
                listed => listed, TimeSpan.FromSeconds(20));
            Assert.True(listed, "no multipart upload of the file while it was being written");
            stream.Write(content, 40 << 20, 10 << 20);
        }

        Assert.Equal(SHA256.HashData(content), SHA256.HashData((await store.GetAsync(bucket, "streamed"))!));
        Assert.Empty((await store.Client.ListMultipartUploadsAsync(bucket)).MultipartUploads ?? []);
    }

    private static async Task<bool> SegmentsExistAsync(TestStore store, string bucket, string prefix) =>
        (await store.SwiftNamesAsync(bucket + "_segments")).Any(k => k.StartsWith(prefix, StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task OverwriteAppendRandomWritesAndTruncateLandInTheObject(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "f", "0123456789"u8.ToArray());
        using var mount = BucketMount.Start(store, bucket);

        File.AppendAllText(mount["f"], "abc");
        Assert.Equal("0123456789abc"u8.ToArray(), await store.GetAsync(bucket, "f"));
        using (var stream = new FileStream(mount["f"], FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 2;
            stream.Write("XY"u8);
            stream.Position = 20;
            stream.Write("Z"u8);
        }
        Assert.Equal("01XY456789abc\0\0\0\0\0\0\0Z"u8.ToArray(), await store.GetAsync(bucket, "f"));
        using (var stream = new FileStream(mount["f"], FileMode.Open, FileAccess.Write)) stream.SetLength(4);
        Assert.Equal("01XY"u8.ToArray(), await store.GetAsync(bucket, "f"));
        Assert.Equal(0, Tool("truncate", "-s", "6", mount["f"]));
        Assert.Equal("01XY\0\0"u8.ToArray(), await store.GetAsync(bucket, "f"));
        File.WriteAllText(mount["f"], "new");
        Assert.Equal("new"u8.ToArray(), await store.GetAsync(bucket, "f"));
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task SmallChangeToALargeFileKeepsEverythingElse(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var original = RandomNumberGenerator.GetBytes(48 << 20);
        await store.PutAsync(bucket, "large", original);
        using var mount = BucketMount.Start(store, bucket);

        using (var stream = new FileStream(mount["large"], FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 30 << 20;
            stream.Write("changed"u8);
        }

        var expected = original.ToArray();
        "changed"u8.CopyTo(expected.AsSpan(30 << 20));
        Assert.Equal(SHA256.HashData(expected), SHA256.HashData((await store.GetAsync(bucket, "large"))!));
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task TwoHandlesOnOneFileSeeEachOthersWrites(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket);
        using var writer = new FileStream(mount["shared"], FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        using var reader = new FileStream(mount["shared"], FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);

        writer.Write("written by one handle"u8);
        var seen = new byte[21];
        reader.ReadExactly(seen);

        Assert.Equal("written by one handle"u8.ToArray(), seen);
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task DirectoriesAndNamesChangeAsInTheBucket(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket);

        Directory.CreateDirectory(mount["d"]);
        Assert.Contains("d/", await store.KeysAsync(bucket));
        Assert.Equal("16877", (await store.MetadataAsync(bucket, "d/"))["mode"]); // 040755
        File.WriteAllText(mount["d/a"], "a");
        File.WriteAllText(mount["d/b"], "b");
        Assert.Throws<IOException>(() => Directory.Delete(mount["d"]));

        File.Move(mount["d/a"], mount["d/moved"]);
        Directory.Move(mount["d"], mount["e"]);
        Assert.Equal(new[] { "e/", "e/b", "e/moved" }, await store.KeysAsync(bucket));
        Assert.Equal("a"u8.ToArray(), await store.GetAsync(bucket, "e/moved"));
        Assert.Equal("a", File.ReadAllText(mount["e/moved"]));

        Assert.Equal(-1, RenameNoReplace(mount["e/moved"], mount["e/b"]));
        Assert.Equal(17 /* EEXIST */, Marshal.GetLastPInvokeError());
        File.Move(mount["e/moved"], mount["e/b"], overwrite: true);
        Assert.Equal("a"u8.ToArray(), await store.GetAsync(bucket, "e/b"));

        File.Delete(mount["e/b"]);
        Directory.Delete(mount["e"]);
        Assert.Empty(await store.KeysAsync(bucket));
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task ModesOwnersTimesAndSymlinksAreStoredAsS3fsStoresThem(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket);
        File.WriteAllText(mount["f"], "content");

        Assert.Equal(0, Tool("chmod", "640", mount["f"]));
        Assert.Equal(0, Tool("chown", "1234:5678", mount["f"]));
        Assert.Equal(0, Tool("touch", "-m", "-d", "@1000000000", mount["f"]));
        Assert.Equal(0, Tool("ln", "-s", "f", mount["link"]));

        var metadata = await store.MetadataAsync(bucket, "f");
        Assert.Equal("33184", metadata["mode"]); // 0100640
        Assert.Equal("1234", metadata["uid"]);
        Assert.Equal("5678", metadata["gid"]);
        Assert.Equal("1000000000", metadata["mtime"]);
        Assert.Equal("content"u8.ToArray(), await store.GetAsync(bucket, "f"));
        Assert.Equal("f"u8.ToArray(), await store.GetAsync(bucket, "link"));
        Assert.Equal("41471", (await store.MetadataAsync(bucket, "link"))["mode"]); // 0120777
        Assert.Equal("f", new FileInfo(mount["link"]).LinkTarget);
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task UserXattrsAreStoredInS3fsXattrHeader(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket, "--xattr");
        File.WriteAllText(mount["f"], "x");

        Assert.Equal(0, Tool("setfattr", "-n", "user.color", "-v", "blue", mount["f"]));
        Assert.Equal(0, Tool("setfattr", "-n", "user.shape", "-v", "round", mount["f"]));
        Assert.Equal(0, Tool("setfattr", "-x", "user.shape", mount["f"]));

        string header = Uri.UnescapeDataString((await store.MetadataAsync(bucket, "f"))["xattr"]);
        Assert.Equal("{\"user.color\":\"" + Convert.ToBase64String("blue"u8) + "\"}", header);
        Assert.Equal("x"u8.ToArray(), await store.GetAsync(bucket, "f"));
        Assert.NotEqual(0, Tool("setfattr", "-n", "security.test", "-v", "x", mount["f"]));
    }

    [Fact]
    public async Task ReadOnlyMountRefusesEveryChange()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "f", "x"u8.ToArray());
        using var mount = BucketMount.Start(store, bucket, "--read-only");

        Assert.Contains("Read-only", Assert.ThrowsAny<IOException>(() => File.WriteAllText(mount["new"], "")).Message);
        Assert.ThrowsAny<IOException>(() => File.AppendAllText(mount["f"], "y"));
        Assert.ThrowsAny<IOException>(() => Directory.CreateDirectory(mount["d"]));
        Assert.ThrowsAny<Exception>(() => File.Delete(mount["f"]));
        Assert.Equal("x"u8.ToArray(), await store.GetAsync(bucket, "f"));
    }

    private static int Tool(string program, params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(program, args);
        if (!process.WaitForExit(TimeSpan.FromSeconds(60))) process.Kill();
        return process.ExitCode;
    }

    private static int RenameNoReplace(string from, string to) => Libc.RenameAt2(Libc.AT_FDCWD, from, Libc.AT_FDCWD, to, Libc.RENAME_NOREPLACE);
}
