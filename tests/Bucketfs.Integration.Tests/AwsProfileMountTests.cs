namespace Bucketfs.Integration.Tests;

/// <summary>
/// Mounts that take where the store is, and the credentials, from ~/.aws as the AWS CLI does:
/// endpoint_url with addressing_style = path, credential_process, and an internal CA given by a
/// profile's ca_bundle, AWS_CA_BUNDLE or --ca-bundle in front of a local https endpoint.
/// </summary>
public sealed class AwsProfileMountTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        Cli.Run(null, ["unmount", Mountpoint]);
        _folder.Dispose();
    }

    private string Home => Path.Combine(_folder.Path, "home");
    private string Mountpoint => Path.Combine(_folder.Path, "mnt");

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task ProfileWithEndpointUrlAndPathStyleMounts(string storeName)
    {
        var (store, bucket) = await SeededAsync(storeName);
        WriteAws("credentials", $"[local]\naws_access_key_id = {store.AccessKey}\naws_secret_access_key = {store.SecretKey}\n");
        WriteAws("config", $"[profile local]\nendpoint_url = {store.Endpoint}\ns3 =\n  addressing_style = path\n");

        AssertMountsAndServes(Mount(["--profile", "local"]));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task CredentialProcessProfileMounts(string storeName)
    {
        var (store, bucket) = await SeededAsync(storeName);
        string process = Path.Combine(_folder.Path, "credentials.sh");
        File.WriteAllText(process, $"#!/bin/sh\necho '{{\"Version\": 1, \"AccessKeyId\": \"{store.AccessKey}\", \"SecretAccessKey\": \"{store.SecretKey}\"}}'\n");
        File.SetUnixFileMode(process, (UnixFileMode)0x1C0);
        WriteAws("config", $"[default]\ncredential_process = {process}\nendpoint_url = {store.Endpoint}\ns3 =\n  addressing_style = path\n");

        AssertMountsAndServes(Mount([]));
    }

    [Theory]
    [InlineData("profile")]
    [InlineData("environment")]
    [InlineData("option")]
    [InlineData("no_check_certificate")]
    [InlineData("ssl_verify_hostname=0")]
    public async Task InternalCaFromProfileEnvironmentOrOptionMountsAnHttpsStore(string givenBy)
    {
        var (store, bucket) = await SeededAsync("ceph");
        using var tls = new TlsForwarder(store.Endpoint, _folder.Path);
        // The certificate names 127.0.0.1: reached as localhost, only its host name is wrong.
        string endpoint = givenBy == "ssl_verify_hostname=0" ? new UriBuilder(tls.Endpoint) { Host = "localhost" }.Uri.ToString() : tls.Endpoint;
        WriteAws("credentials", $"[default]\naws_access_key_id = {store.AccessKey}\naws_secret_access_key = {store.SecretKey}\n");
        WriteAws("config", $"[default]\nendpoint_url = {endpoint}\ns3 =\n  addressing_style = path\n" + (givenBy == "profile" ? $"ca_bundle = {tls.CaBundle}\n" : ""));

        var mounted = givenBy switch
        {
            "profile" => Mount([]),
            "environment" => Mount([], ("AWS_CA_BUNDLE", tls.CaBundle)),
            "option" => Mount(["--ca-bundle", tls.CaBundle]),
            "no_check_certificate" => Mount(["-o", "no_check_certificate"]),
            _ => Mount(["--ca-bundle", tls.CaBundle, "-o", givenBy]),
        };
        AssertMountsAndServes(mounted);
    }

    [Fact]
    public async Task HttpsStoreWithAnUnknownCaOrAnotherHostNameIsRefusedInOneLine()
    {
        var (store, bucket) = await SeededAsync("ceph");
        using var tls = new TlsForwarder(store.Endpoint, _folder.Path);
        WriteAws("credentials", $"[default]\naws_access_key_id = {store.AccessKey}\naws_secret_access_key = {store.SecretKey}\n");
        WriteAws("config", $"[default]\nendpoint_url = {tls.Endpoint}\ns3 =\n  addressing_style = path\n");

        MountErrorTests.AssertOneLineError(Mount([]), "cannot reach");
        string localhost = new UriBuilder(tls.Endpoint) { Host = "localhost" }.Uri.ToString();
        MountErrorTests.AssertOneLineError(Mount(["--ca-bundle", tls.CaBundle, "--endpoint-url", localhost]), "cannot reach");
    }

    private async Task<(TestStore Store, string Bucket)> SeededAsync(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "file.txt", "through the profile"u8.ToArray());
        Directory.CreateDirectory(Mountpoint);
        Directory.CreateDirectory(Path.Combine(Home, ".aws"));
        _bucket = bucket;
        return (store, bucket);
    }

    private string _bucket = "";

    private void WriteAws(string name, string text) => File.WriteAllText(Path.Combine(Home, ".aws", name), text);

    /// <summary>`bucketfs mount s3://BUCKET MNT` with nothing but the given options: no endpoint, no keys in the environment.</summary>
    private Cli.Result Mount(string[] options, params (string Name, string Value)[] environment) =>
        Cli.Run(null, ["mount", $"s3://{_bucket}", Mountpoint, "--cache-dir", Path.Combine(_folder.Path, "cache"), "--log-file", Path.Combine(_folder.Path, "bucketfs.log"), .. options], start =>
        {
            foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("AWS", StringComparison.Ordinal)).ToList())
                start.Environment.Remove(name);
            start.Environment["HOME"] = Home;
            start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
            foreach (var (name, value) in environment) start.Environment[name] = value;
        });

    private void AssertMountsAndServes(Cli.Result mounted)
    {
        Assert.True(mounted.ExitCode == 0, mounted.Stderr);
        Assert.Equal("through the profile", File.ReadAllText(Path.Combine(Mountpoint, "file.txt")));
    }
}
