using System.Runtime.InteropServices;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// swift:// mounts signed in with Keystone v3, the way OpenStack users hold their credentials:
/// the OS_* variables of an openrc file, --os-* options, clouds.yaml, an rclone remote.
/// </summary>
public sealed class KeystoneMountTests
{
    private readonly KeystoneSwift _keystone = KeystoneSwift.Instance;

    [Fact]
    public async Task OpenrcApplicationCredentialMountsReadsWritesRenamesAndUnmounts()
    {
        string container = await _keystone.NewContainerAsync();
        await _keystone.PutAsync(container, "data/seeded.txt", "seeded"u8.ToArray());
        var large = new byte[(20 << 20) + 5];
        new Random(17).NextBytes(large);
        string mountpoint;
        using (var mount = BucketMount.StartWith(null, [$"swift://{container}"], [], _keystone.Openrc()))
        {
            mountpoint = mount.Path;
            Assert.Equal("seeded", File.ReadAllText(mount["data/seeded.txt"]));
            File.WriteAllText(mount["data/new.txt"], "written through the mount");
            File.WriteAllBytes(mount["large.bin"], large);
            File.Move(mount["data/new.txt"], mount["data/renamed.txt"]);
            Directory.CreateDirectory(mount["made"]);
            Assert.Equal(["data", "large.bin", "made"], Directory.EnumerateFileSystemEntries(mount.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        Assert.DoesNotContain(File.ReadLines("/proc/mounts"), l => l.Split(' ')[1] == mountpoint);
        Assert.Equal(["data/renamed.txt", "data/seeded.txt", "large.bin", "made/"], await _keystone.NamesAsync(container));
        Assert.Equal("written through the mount"u8.ToArray(), await _keystone.GetAsync(container, "data/renamed.txt"));
        Assert.Equal(large, await _keystone.GetAsync(container, "large.bin"));
    }

    [Fact]
    public async Task PasswordOptionsWithProjectAndDomainsMountTheContainer()
    {
        string container = await _keystone.NewContainerAsync();
        await _keystone.PutAsync(container, "a.txt", "a"u8.ToArray());
        using var mount = BucketMount.StartWith(null,
            [$"swift://{container}", "--os-auth-url", _keystone.AuthUrl, "--os-username", _keystone.User, "--os-password", _keystone.Password,
             "--os-project-name", _keystone.Project, "--os-user-domain-name", _keystone.Domain, "--os-project-domain-name", _keystone.Domain, "--os-region-name", _keystone.Region], []);
        Assert.Equal("a", File.ReadAllText(mount["a.txt"]));
    }

    [Fact]
    public async Task KeepsReadingAndWritingPastTheTokenLifetime()
    {
        string container = await _keystone.NewContainerAsync();
        await _keystone.PutAsync(container, "before.txt", "before"u8.ToArray());
        await _keystone.PutAsync(container, "after.txt", "after"u8.ToArray());
        using var mount = BucketMount.StartWith(null, [$"swift://{container}", "--metadata-ttl", "0"], [], _keystone.Openrc());
        Assert.Equal("before", File.ReadAllText(mount["before.txt"]));
        // Past the first token's expiry: every request from here needs a renewed token.
        Thread.Sleep(_keystone.TokenLifetime + TimeSpan.FromSeconds(5));
        Assert.Equal("after", File.ReadAllText(mount["after.txt"]));
        File.WriteAllText(mount["later.txt"], "later");
        Assert.Equal("later"u8.ToArray(), await _keystone.GetAsync(container, "later.txt"));
    }

    [Fact]
    public async Task CredentialExpiringWhileMountedFailsWritesWithEaccesAndTheMountStays()
    {
        string container = await _keystone.NewContainerAsync();
        // Keystone ends the tokens of an application credential with it. (A revoked one would do the
        // same; Keystone on sqlite fails the delete that revokes it: see NewApplicationCredentialAsync.)
        var (id, secret) = await _keystone.NewApplicationCredentialAsync(DateTimeOffset.UtcNow.AddSeconds(30));
        var openrc = _keystone.Openrc();
        openrc["OS_APPLICATION_CREDENTIAL_ID"] = id;
        openrc["OS_APPLICATION_CREDENTIAL_SECRET"] = secret;
        var mount = BucketMount.StartWith(null, [$"swift://{container}", "--request-timeout", "10"], [], openrc);
        using (mount)
        {
            File.WriteAllText(mount["before.txt"], "before");

            // Past the expiry, and Swift trusts a token it validated for a few seconds more (token_cache_time): a write it checks then is refused.
            // A sign-in that times out on a loaded machine fails a write with EIO first: polled past.
            var refused = await Eventually.PollAsync(() => Task.FromResult(TryWrite(mount["after.txt"])), errno => errno == EACCES, TimeSpan.FromSeconds(90));

            Assert.Equal(EACCES, refused);
            Assert.Contains(File.ReadLines("/proc/mounts"), l => l.Split(' ')[1] == mount.Path);
            Assert.True(Directory.Exists(mount.Path));
        }
        // Keystone refuses the credential, or (in its last seconds) issues a token that Swift refuses.
        Assert.Matches($"refused the (token of )?application credential {id}", mount.Log);
        Assert.Equal("before"u8.ToArray(), await _keystone.GetAsync(container, "before.txt"));
    }

    private const int EACCES = 13;

    /// <summary>
    /// Writes through libc and returns the errno of the first call that fails: .NET ignores what
    /// close() and fsync() return (see Libc), so a refusal that only the upload at close meets
    /// (once the file is staged, an open no longer asks the store) would go unseen.
    /// </summary>
    private static int? TryWrite(string path)
    {
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC, 0x1A4);
        if (fd < 0) return Marshal.GetLastPInvokeError();
        if (Libc.Write(fd, "after"u8, 5) != 5)
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.Close(fd);
            return errno;
        }
        return Libc.Close(fd) == 0 ? null : Marshal.GetLastPInvokeError();
    }

    [Fact]
    public async Task CloudsYamlCloudMountsTheContainer()
    {
        string container = await _keystone.NewContainerAsync();
        await _keystone.PutAsync(container, "c.txt", "cloud"u8.ToArray());
        string file = Path.Combine(Path.GetTempPath(), $"clouds-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, $"""
            clouds:
              test-cloud:
                auth:
                  auth_url: {_keystone.AuthUrl}
                  application_credential_id: "{_keystone.AppCredentialId}"
                  application_credential_secret: "{_keystone.AppCredentialSecret}"
                region_name: {_keystone.Region}
                interface: public
                identity_api_version: 3
                auth_type: v3applicationcredential
            """);
        try
        {
            using var mount = BucketMount.StartWith(null, [$"swift://{container}", "--os-cloud", "test-cloud"], [], new Dictionary<string, string> { ["OS_CLIENT_CONFIG_FILE"] = file });
            Assert.Equal("cloud", File.ReadAllText(mount["c.txt"]));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task RcloneSwiftRemoteOfTheOpenStackTutorialMountsTheContainer()
    {
        string container = await _keystone.NewContainerAsync();
        await _keystone.PutAsync(container, "train/class_00/0_1.jpg", "jpeg"u8.ToArray());
        // The remote exactly as seed 004 has users write it.
        using var config = new RcloneConfigFile($"""
            [chi_tacc]
            type = swift
            user_id = {_keystone.UserId}
            application_credential_id = {_keystone.AppCredentialId}
            application_credential_secret = {_keystone.AppCredentialSecret}
            auth = {_keystone.AuthUrl}
            region = {_keystone.Region}
            """);
        using var mount = BucketMount.StartWith(null, [$"chi_tacc:{container}", "--rclone-config", config.Path, "--read-only"], []);
        Assert.Equal("jpeg", File.ReadAllText(mount["train/class_00/0_1.jpg"]));
    }

    [Fact]
    public async Task RcloneS3RemoteMountsTheBucket()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "p/x.txt", "s3 remote"u8.ToArray());
        using var config = RcloneConfigFile.S3Remote("ceph", store);
        using var mount = BucketMount.StartWith(null, [$"ceph:{bucket}/p", "--rclone-config", config.Path], []);
        Assert.Equal("s3 remote", File.ReadAllText(mount["x.txt"]));
    }
}
