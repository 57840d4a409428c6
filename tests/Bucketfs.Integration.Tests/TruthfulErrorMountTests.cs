namespace Bucketfs.Integration.Tests;

/// <summary>
/// Through a real mount: what the store cannot hold fails with the errno that says why (not EIO),
/// and what needs no store succeeds. Each case runs in python3 so the program sees the errno itself.
/// </summary>
public sealed class TruthfulErrorMountTests
{
    /// <summary>Runs <paramref name="code"/> with os and errno imported and attempt(f) giving "ok" or f's errno name; returns its output.</summary>
    private static string Python(string code, params string[] args)
    {
        const string prelude = "import os, errno, sys\ndef attempt(f, *a):\n    try:\n        f(*a)\n        return 'ok'\n    except OSError as e:\n        return errno.errorcode[e.errno]\n";
        return S3fsMount.Run("python3", ["-c", prelude + code, .. args]).Trim();
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task FstatOfAnOpenFileReadAndUnlinkedThroughTheMountSucceeds(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "doomed", "hello"u8.ToArray());
        using var mount = BucketMount.Start(store, bucket);
        string result = Python("fd = os.open(sys.argv[1], os.O_RDONLY)\ndata = os.read(fd, 100).decode()\nos.unlink(sys.argv[1])\nst = os.fstat(fd)\nprint(st.st_size, st.st_nlink, data, os.pread(fd, 100, 1).decode())", mount["doomed"]);
        Assert.Equal("5 0 hello ello", result);
        Assert.Null(await store.GetAsync(bucket, "doomed"));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task TruncateBeyondWhatAnObjectHoldsIsEfbig(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "f", "kept"u8.ToArray());
        using var mount = BucketMount.Start(store, bucket);
        Assert.Equal("EFBIG", Python("print(attempt(os.truncate, sys.argv[1], 999999999999999))", mount["f"]));
        Assert.Equal("kept"u8.ToArray(), await store.GetAsync(bucket, "f"));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task APathWhoseKeyExceeds1024BytesIsEnametoolong(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket);
        // Four directories of 250 bytes: 1,003 bytes, so a 20-byte file name makes a 1,024-byte key.
        string deep = string.Join('/', Enumerable.Repeat(new string('d', 250), 4));
        Directory.CreateDirectory(mount[deep]);
        string fits = deep + "/" + new string('f', 20);
        string result = Python(
            "too_long = sys.argv[1] + 'x'\nprint(attempt(os.stat, too_long), attempt(os.open, too_long, os.O_CREAT | os.O_WRONLY, 0o644), attempt(os.mkdir, sys.argv[1]), attempt(lambda: open(sys.argv[1], 'w').close()))",
            mount[fits]);
        Assert.Equal("ENAMETOOLONG ENAMETOOLONG ENAMETOOLONG ok", result);
        Assert.Equal(Array.Empty<byte>(), await store.GetAsync(bucket, fits));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task TimesAndModeSetOnTheMountRootAreKeptWhileMounted(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket);
        string result = Python("print(attempt(os.utime, sys.argv[1], (1600000000, 1600000000)), attempt(os.chmod, sys.argv[1], 0o750))\nst = os.stat(sys.argv[1])\nprint(int(st.st_mtime), oct(st.st_mode & 0o7777))", mount.Path);
        Assert.Equal("ok ok\n1600000000 0o750", result);
        Assert.Empty(await store.KeysAsync(bucket));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task AFileAnotherClientPutsInADirectoryJustMadeShowsWellWithinTheTtl(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket, "--metadata-ttl", "60");
        Directory.CreateDirectory(mount["fresh"]);
        Assert.False(File.Exists(mount["fresh/theirs"]));
        await store.PutAsync(bucket, "fresh/theirs", "x"u8.ToArray());
        // The mount stops taking names it has not made there as missing a moment after its last creation, not after the TTL.
        Assert.True(Eventually.Holds(() => File.Exists(mount["fresh/theirs"]), TimeSpan.FromSeconds(10)), "a file another client put in a directory made through the mount stayed hidden");
    }
}
