namespace Bucketfs.Integration.Tests;

/// <summary>mount(8) with type fuse.bucketfs, as an fstab line does it: mount.fuse3 runs `bucketfs SOURCE DIR -o OPTIONS`.</summary>
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
    public async Task MountCommandWithS3fsOptionsMountsTheBucket(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "data/file.txt", "through fstab"u8.ToArray());
        string mountpoint = Path.Combine(_directory, "mnt");
        Directory.CreateDirectory(mountpoint);
        // s3fs's passwd format cannot hold Swift's ACCOUNT:USER keys; those come from the environment.
        bool passwdFile = !store.AccessKey.Contains(':');
        string passwd = Path.Combine(_directory, "passwd");
        File.WriteAllText(passwd, $"{bucket}:{store.AccessKey}:{store.SecretKey}\n");
        File.SetUnixFileMode(passwd, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // mount(8) runs helpers with a fixed PATH, where mount.fuse3 looks for the program named by
        // the subtype; a shim there stands in for an installed bucketfs while the test runs.
        using var shim = new InstalledShim("/usr/local/bin/bucketfs", $"#!/bin/sh\nexec dotnet {BucketMount.CliPath} \"$@\"\n");

        var mounted = Cli.Run(passwdFile ? null : store, [], start =>
        {
            start.FileName = "mount";
            start.ArgumentList.Clear();
            foreach (string arg in new[] { "-t", "fuse.bucketfs", $"{bucket}:/data", mountpoint, "-o",
                $"_netdev,allow_other,url={store.Endpoint},use_path_request_style,uid=1234,umask=027" + (passwdFile ? $",passwd_file={passwd}" : "") })
                start.ArgumentList.Add(arg);
        });
        try
        {
            Assert.True(mounted.ExitCode == 0, mounted.Stderr);
            Assert.Equal("through fstab", File.ReadAllText(Path.Combine(mountpoint, "file.txt")));
            Assert.StartsWith("640 1234 ", Stat.Of(Path.Combine(mountpoint, "file.txt")));
        }
        finally
        {
            Cli.Run(null, ["unmount", mountpoint]);
        }
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
