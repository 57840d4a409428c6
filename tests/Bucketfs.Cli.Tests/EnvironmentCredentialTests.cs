using Amazon.Runtime;
using Bucketfs.Cli.Credentials;

namespace Bucketfs.Cli.Tests;

/// <summary>Keys and profile names from the environment.</summary>
[Collection(nameof(CredentialTestBed))]
public sealed class EnvironmentCredentialTests : CredentialTestBed
{
    // ---- 4. environment ----

    [Fact]
    public void EnvironmentKeys_GiveBasicCredentials_AndSourceSaysEnvironment()
    {
        SetEnvironmentKeys();

        var resolved = Resolve();

        Assert.IsType<BasicAWSCredentials>(resolved.Credentials);
        AssertKeys(resolved, EnvKey, EnvSecret);
        Assert.StartsWith("environment", resolved.Source);
    }

    [Fact]
    public void EnvironmentKeysWithSessionToken_GiveSessionCredentials()
    {
        SetEnvironmentKeys();
        environment["AWS_SESSION_TOKEN"] = EnvToken;

        var resolved = Resolve();

        Assert.IsType<SessionAWSCredentials>(resolved.Credentials);
        AssertKeys(resolved, EnvKey, EnvSecret, EnvToken);
        Assert.Contains("AWS_SESSION_TOKEN", resolved.Source);
    }

    [Fact]
    public void EnvironmentKeys_WinOverAwsProfileDefaultProfileAndPasswdS3fsFiles()
    {
        EverythingConfigured();
        environment["AWS_PROFILE"] = "dev";

        AssertKeys(Resolve(), EnvKey, EnvSecret);
    }

    [Theory]
    [InlineData("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")]
    [InlineData("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID")]
    public void EnvironmentWithHalfAKeyPair_IsAnErrorNamingTheMissingVariable(string set, string missing)
    {
        EverythingConfigured();
        environment.Remove("AWS_ACCESS_KEY_ID");
        environment.Remove("AWS_SECRET_ACCESS_KEY");
        environment[set] = set == "AWS_ACCESS_KEY_ID" ? EnvKey : EnvSecret;

        var e = Refused();

        Assert.Equal($"{set} is set but {missing} is not", e.Message);
    }

    [Fact]
    public void EmptyEnvironmentVariables_CountAsUnset()
    {
        environment["AWS_ACCESS_KEY_ID"] = "";
        environment["AWS_SECRET_ACCESS_KEY"] = "";
        environment["AWS_PROFILE"] = "";
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "";
        WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret));

        AssertKeys(Resolve(), DefaultKey, DefaultSecret);
    }

    [Fact]
    public void S3fsEnvironmentVariables_AreHonoured_AfterTheAwsOnes()
    {
        environment["AWSACCESSKEYID"] = HomeKey;
        environment["AWSSECRETACCESSKEY"] = HomeSecret;
        WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret));

        var s3fsOnly = Resolve();
        AssertKeys(s3fsOnly, HomeKey, HomeSecret);
        Assert.Contains("AWSACCESSKEYID", s3fsOnly.Source);

        SetEnvironmentKeys();
        AssertKeys(Resolve(), EnvKey, EnvSecret);
    }

    [Fact]
    public void AwsProfileVariable_SelectsThatProfile_OverTheDefaultOne()
    {
        WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret) + ProfileSection("dev", ProfileKey, ProfileSecret));
        environment["AWS_PROFILE"] = "dev";

        var resolved = Resolve();

        AssertKeys(resolved, ProfileKey, ProfileSecret);
        Assert.Equal("profile dev in ~/.aws/credentials", resolved.Source);
    }

    [Fact]
    public void AwsProfileVariable_NamingAMissingProfile_IsAnErrorNamingIt_NotAFallThrough()
    {
        WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret));
        Write(HomePasswd, $"{HomeKey}:{HomeSecret}\n");
        environment["AWS_PROFILE"] = "staging";

        var e = Refused();

        Assert.Contains("profile staging", e.Message);
        Assert.Contains("AWS_PROFILE", e.Message);
        Assert.Contains("~/.aws/credentials", e.Message);
    }
}
