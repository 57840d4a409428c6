using Bucketfs.Cli.Mount;
using Bucketfs.Cli.Stores;

namespace Bucketfs.Cli.Tests;

/// <summary>Where the store is, from ~/.aws/config and the environment, in the AWS CLI's order, with the command line first.</summary>
[Collection(nameof(CredentialTestBed))]
public sealed class AwsConfigurationTests : CredentialTestBed
{
    private const string Config = """
        [default]
        region = eu-west-3

        [profile ceph]
        endpoint_url = http://127.0.0.1:7480
        ca_bundle = ~/ca.pem
        region = ceph-a
        s3 =
          addressing_style = path

        [profile split]
        services = local
        endpoint_url = http://global.example:1

        [services local]
        s3 =
          endpoint_url = http://s3only.example:2
        """;

    [Fact]
    public void ProfileEndpointCaBundleRegionAndAddressingStyleAreUsed()
    {
        WriteConfig(Config);

        var s = Applied(profile: "ceph");

        Assert.Equal(new Uri("http://127.0.0.1:7480"), s.Endpoint);
        Assert.Equal(Path.Combine(Home, "ca.pem"), s.CaBundle);
        Assert.Equal("ceph-a", s.Region);
        Assert.True(s.PathStyle);
    }

    [Fact]
    public void ServicesSectionEndpointForS3ComesBeforeTheProfilesOwn()
    {
        WriteConfig(Config);

        Assert.Equal(new Uri("http://s3only.example:2"), Applied(profile: "split").Endpoint);
    }

    [Fact]
    public void AwsProfileVariableChoosesTheProfile_ElseDefault()
    {
        WriteConfig(Config);
        Assert.Equal("eu-west-3", Applied().Region);
        Assert.Null(Applied().Endpoint);

        environment["AWS_PROFILE"] = "ceph";
        Assert.Equal(new Uri("http://127.0.0.1:7480"), Applied().Endpoint);
    }

    [Fact]
    public void EnvironmentComesBeforeTheProfile_AndServiceSpecificBeforeGlobal()
    {
        WriteConfig(Config);
        environment["AWS_ENDPOINT_URL"] = "http://global.env:3";
        environment["AWS_CA_BUNDLE"] = "/etc/env-ca.pem";
        environment["AWS_REGION"] = "env-region";
        Assert.Equal(new Uri("http://global.env:3"), Applied(profile: "ceph").Endpoint);

        environment["AWS_ENDPOINT_URL_S3"] = "http://s3.env:4";
        var s = Applied(profile: "ceph");
        Assert.Equal(new Uri("http://s3.env:4"), s.Endpoint);
        Assert.Equal("/etc/env-ca.pem", s.CaBundle);
        Assert.Equal("env-region", s.Region);
    }

    [Fact]
    public void CommandLineComesFirst()
    {
        WriteConfig(Config);
        environment["AWS_ENDPOINT_URL_S3"] = "http://s3.env:4";
        var s = AwsConfiguration.Apply(Settings(profile: "ceph") with
        {
            Endpoint = new Uri("http://cli.example:5"),
            CaBundle = "/cli-ca.pem",
            Region = "cli-region",
        });

        Assert.Equal((new Uri("http://cli.example:5"), "/cli-ca.pem", "cli-region"), (s.Endpoint, s.CaBundle, s.Region));
    }

    [Fact]
    public void AnEndpointThatIsNoUrlIsOneLineNamingWhereItCameFrom()
    {
        WriteConfig("[profile bad]\nendpoint_url = 127.0.0.1:7480\n");

        var e = Assert.Throws<UsageException>(() => Applied(profile: "bad"));

        Assert.StartsWith("endpoint_url of profile bad '127.0.0.1:7480'", e.Message);
    }

    private StoreRequest Settings(string? profile) => new(BucketSource.Parse("bucket"), environment, Home) { Profile = profile };

    private StoreRequest Applied(string? profile = null) => AwsConfiguration.Apply(Settings(profile));
}
