namespace Bucketfs.Integration.Tests;

/// <summary>
/// mount(8) with type fuse.bucketfs, as an fstab line does it: mount.fuse3 runs `bucketfs SOURCE DIR -o OPTIONS`.
/// The lines are s3fs's, from its documentation and the seeds' set-ups, with only the type changed
/// (and url=, use_path_request_style, passwd_file= added to reach the local store).
/// </summary>
[Collection(nameof(InstalledCommand))]
public sealed class FstabMountTests : IDisposable
{
    private readonly string _directory = Path.Combine("/tmp/bucketfs-it", Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (!File.ReadLines("/proc/mounts").Any(l => l.StartsWith("t-", StringComparison.Ordinal) && l.Contains(_directory)))
            Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task MountCommandWithS3fsOptionsShowsOwnerAndModeAsS3fsDoes(string storeName)
    {
        var (store, bucket) = await SeededAsync(storeName);
        var mounted = MountWithFstabType(store, "fuse.bucketfs", $"{bucket}:/data", $"_netdev,allow_other,uid=1234,umask=027,{Reach(store, bucket)}");
        try
        {
            Assert.True(mounted.ExitCode == 0, mounted.Stderr);
            Assert.Equal("through fstab", File.ReadAllText(Path.Combine(Mountpoint, "file.txt")));
            // s3fs shows 0777 less the umask, and the uid, for every entry, whatever its metadata says.
            Assert.StartsWith("750 1234 ", Stat.Of(Path.Combine(Mountpoint, "file.txt")));
            Assert.StartsWith("750 1234 ", Stat.Of(Path.Combine(Mountpoint, "owned.txt")));
        }
        finally
        {
            Cli.Run(null, ["unmount", Mountpoint]);
        }
    }

    /// <summary>The seeds' fstab line (002): the old "s3fs#bucket ... fuse" form, umask=000.</summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task SeedsOldFormFstabLineMountsWithProgramChanged(string storeName)
    {
        var (store, bucket) = await SeededAsync(storeName);
        var mounted = MountWithFstabType(store, "fuse", $"bucketfs#{bucket}", $"_netdev,allow_other,umask=000,{Reach(store, bucket)}");
        try
        {
            Assert.True(mounted.ExitCode == 0, mounted.Stderr);
            Assert.StartsWith("777 ", Stat.Of(Path.Combine(Mountpoint, "data", "file.txt")));
            Assert.StartsWith("777 ", Stat.Of(Path.Combine(Mountpoint, "data")));
        }
        finally
        {
            Cli.Run(null, ["unmount", Mountpoint]);
        }
    }

    /// <summary>
    /// s3fs's README line, and the options the issue found refused or ignored: each takes effect
    /// (or is accepted as already done), and the mount serves the bucket.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task FstabLineWithManyS3fsOptionsMounts(string storeName)
    {
        var (store, bucket) = await SeededAsync(storeName);
        string cache = Path.Combine(_directory, "cache");
        Directory.CreateDirectory(cache);
        string mime = Path.Combine(_directory, "mime.types");
        File.WriteAllText(mime, "application/x-bucketfs-test  bft\n");
        string options = $"_netdev,allow_other,{Reach(store, bucket)},host={store.Endpoint},no_check_certificate,mime={mime},enable_unsigned_payload," +
            $"use_cache={cache},del_cache,tmpdir={Path.Combine(_directory, "staging")},check_cache_dir_exist,retries=3,connect_timeout=5,readwrite_timeout=30,parallel_count=10,multipart_size=64," +
            "max_stat_cache_size=1000,stat_cache_expire=10,enable_noobj_cache,mp_umask=027,sigv4,nodnscache,complement_stat,compat_dir,nofail";
        var mounted = MountWithFstabType(store, "fuse.bucketfs", bucket, options);
        try
        {
            Assert.True(mounted.ExitCode == 0, mounted.Stderr);
            Assert.Equal("through fstab", File.ReadAllText(Path.Combine(Mountpoint, "data", "file.txt")));
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(cache, "objects"), "*", SearchOption.AllDirectories));
            Assert.StartsWith("750 ", Stat.Of(Mountpoint));
            File.WriteAllText(Path.Combine(Mountpoint, "new.bft"), "typed");
            // The upload ends with the kernel's RELEASE, which close(2) does not wait for.
            await Eventually.PollAsync(() => store.KeysAsync(bucket), keys => keys.Contains("new.bft"));
            Assert.Equal("application/x-bucketfs-test", await store.ContentTypeAsync(bucket, "new.bft"));
        }
        finally
        {
            Cli.Run(null, ["unmount", Mountpoint]);
        }
        // del_cache empties the cache folder when the mount ends (and when the next one starts).
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(cache, "objects"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task RefusedS3fsOptionStopsTheMountWithOneLineNamingTheReplacement()
    {
        var (store, bucket) = await SeededAsync("ceph");
        var result = MountWithFstabType(store, "fuse.bucketfs", bucket, $"{Reach(store, bucket)},credlib=libcred.so");
        MountErrorTests.AssertOneLineError(result, "-o credlib: not supported by bucketfs; use credential_process in a ~/.aws/config profile", exitCode: 2);
    }

    private string Mountpoint => Path.Combine(_directory, "mnt");

    private async Task<(TestStore Store, string Bucket)> SeededAsync(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "data/file.txt", "through fstab"u8.ToArray());
        await store.PutAsync(bucket, "data/owned.txt", "s3fs metadata"u8.ToArray(), new Dictionary<string, string> { ["mode"] = "33152", ["uid"] = "42", ["gid"] = "43" });
        Directory.CreateDirectory(Mountpoint);
        return (store, bucket);
    }

    /// <summary>url=, use_path_request_style and an s3fs passwd file (BUCKET:ACCESS:SECRET, which holds Swift's ACCOUNT:USER keys too).</summary>
    private string Reach(TestStore store, string bucket)
    {
        string passwd = Path.Combine(_directory, "passwd");
        File.WriteAllText(passwd, $"# the local store\n{bucket}:{store.AccessKey}:{store.SecretKey}\n");
        File.SetUnixFileMode(passwd, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return $"url={store.Endpoint},use_path_request_style,passwd_file={passwd}";
    }

    private Cli.Result MountWithFstabType(TestStore store, string type, string source, string options)
    {
        // mount(8) runs helpers with a fixed PATH, where mount.fuse3 looks for the program named by
        // the subtype; a shim there stands in for an installed bucketfs while the test runs.
        using var shim = new InstalledShim("/usr/local/bin/bucketfs", $"#!/bin/sh\nexec dotnet {BucketMount.CliPath} \"$@\"\n");
        return FstabMount.Run(type, source, Mountpoint, options);
    }
}

/// <summary>A file put in place for one test; whatever was there before is put back afterwards.</summary>
internal sealed class InstalledShim : IDisposable
{
    private readonly string _path;
    private readonly byte[]? _previous;

    public InstalledShim(string path, string script)
    {
        _path = path;
        _previous = File.Exists(path) ? File.ReadAllBytes(path) : null;
        File.WriteAllText(path, script);
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
    }

    public void Dispose()
    {
        if (_previous is null) File.Delete(_path);
        else File.WriteAllBytes(_path, _previous);
    }
}
