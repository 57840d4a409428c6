namespace Bucketfs.Integration.Tests;

/// <summary>Every way a Keystone-signed Swift mount can fail ends in one line naming the cause, exit 1, nothing mounted.</summary>
public sealed class KeystoneMountErrorTests : IDisposable
{
    private readonly KeystoneSwift _keystone = KeystoneSwift.Instance;
    private readonly string _directory = Path.Combine("/tmp/bucketfs-it", Guid.NewGuid().ToString("N")[..12]);
    private readonly string _mountpoint;

    public KeystoneMountErrorTests()
    {
        _mountpoint = Path.Combine(_directory, "mnt");
        Directory.CreateDirectory(_mountpoint);
    }

    public void Dispose()
    {
        Assert.DoesNotContain(File.ReadLines("/proc/mounts"), l => l.Split(' ')[1] == _mountpoint);
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("wrong-secret", "refused the application credential")]
    [InlineData("expired", "refused the application credential")]
    [InlineData("revoked", "refused the application credential")]
    [InlineData("missing-container", "container no-such-container-bucketfs does not exist at Swift at http://")]
    [InlineData("keystone-down", "cannot reach Keystone at http://127.0.0.1:9/v3")]
    [InlineData("swift-down", "cannot reach Swift at http://127.0.0.1:9")]
    [InlineData("other-region", "the catalog has no public object-store endpoint in region RegionTwo (regions with one: RegionOne)")]
    public async Task KeystoneSwiftErrorIsOneLine(string problem, string expected)
    {
        var openrc = _keystone.Openrc();
        string source = problem == "missing-container" ? "swift://no-such-container-bucketfs" : $"swift://{await _keystone.NewContainerAsync()}";
        switch (problem)
        {
            case "wrong-secret":
                openrc["OS_APPLICATION_CREDENTIAL_SECRET"] = "not-the-secret";
                break;
            case "expired":
                var expires = DateTimeOffset.UtcNow.AddSeconds(3);
                var (id, secret) = await _keystone.NewApplicationCredentialAsync(expires);
                await Task.Delay(expires - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2));
                openrc["OS_APPLICATION_CREDENTIAL_ID"] = id;
                openrc["OS_APPLICATION_CREDENTIAL_SECRET"] = secret;
                break;
            case "revoked":
                var (revokedId, revokedSecret) = await _keystone.NewApplicationCredentialAsync(DateTimeOffset.UtcNow.AddHours(1));
                await _keystone.RevokeApplicationCredentialAsync(revokedId);
                openrc["OS_APPLICATION_CREDENTIAL_ID"] = revokedId;
                openrc["OS_APPLICATION_CREDENTIAL_SECRET"] = revokedSecret;
                break;
            case "keystone-down":
                openrc["OS_AUTH_URL"] = "http://127.0.0.1:9/v3";
                break;
            case "swift-down":
                openrc["OS_STORAGE_URL"] = "http://127.0.0.1:9/v1/AUTH_nothing";
                break;
            case "other-region":
                openrc["OS_REGION_NAME"] = _keystone.OtherRegion;
                break;
        }
        var result = Cli.Run(null, ["mount", source, _mountpoint, "--log-file", Path.Combine(_directory, "bucketfs.log"), "--request-timeout", "5"], start =>
        {
            foreach (var (name, value) in openrc) start.Environment[name] = value;
        });
        MountErrorTests.AssertOneLineError(result, expected);
    }
}
