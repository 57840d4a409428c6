using Amazon.Runtime;
using Bucketfs.Cli.Credentials;

namespace Bucketfs.Cli.Tests;

/// <summary>--profile and the AWS CLI's shared files.</summary>
[Collection(nameof(CredentialTestBed))]
public sealed class ProfileCredentialTests : CredentialTestBed
{
    // ---- 3. --profile ----

    [Fact]
    public void NamedProfile_FromCredentialsFile_GivesItsKeys_AndSourceNamesProfileAndFile()
    {
        WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret) + ProfileSection("dev", ProfileKey, ProfileSecret));

        var resolved = Resolve(profile: "dev");

        AssertKeys(resolved, ProfileKey, ProfileSecret);
        Assert.Equal("profile dev in ~/.aws/credentials", resolved.Source);
    }

    [Fact]
    public void NamedProfile_FromConfigFile_WithProfilePrefix_IsFound_AndSourceNamesTheConfigFile()
    {
        WriteConfig("[default]\nregion = eu-west-1\n\n" + ProfileSection("profile dev", ProfileKey, ProfileSecret));

        var resolved = Resolve(profile: "dev");

        AssertKeys(resolved, ProfileKey, ProfileSecret);
        Assert.Equal("profile dev in ~/.aws/config", resolved.Source);
    }

    [Fact]
    public void NamedProfile_WithSessionToken_GivesSessionCredentials()
    {
        WriteCredentials(ProfileSection("dev", ProfileKey, ProfileSecret, ProfileToken));

        var resolved = Resolve(profile: "dev");

        Assert.IsType<SessionAWSCredentials>(resolved.Credentials);
        AssertKeys(resolved, ProfileKey, ProfileSecret, ProfileToken);
    }

    [Fact]
    public void NamedProfile_ThatDoesNotExist_IsAnErrorNamingIt_EvenWithOtherSourcesAvailable()
    {
        EverythingConfigured();

        var e = Refused(profile: "prod");

        Assert.Contains("profile prod", e.Message);
        Assert.Contains("--profile", e.Message);
        Assert.Contains("not found", e.Message);
        AssertNoSecret(e.Message);
    }

    [Fact]
    public void NamedProfile_WithoutAnyCredentials_IsAnError()
    {
        WriteConfig("[profile dev]\nregion = us-west-2\n");

        var e = Refused(profile: "dev");

        Assert.Contains("profile dev in ~/.aws/config", e.Message);
        Assert.Contains("holds no credentials", e.Message);
    }

    [Fact]
    public void NamedProfile_WinsOverEnvironmentKeysAndAwsProfile()
    {
        EverythingConfigured();
        environment["AWS_PROFILE"] = "default";

        AssertKeys(Resolve(profile: "dev"), ProfileKey, ProfileSecret);
    }

    [Fact]
    public void NamedProfile_AssumingARoleFromASourceProfile_IsBuiltWithoutCallingSts()
    {
        WriteCredentials(ProfileSection("base", ProfileKey, ProfileSecret));
        WriteConfig("[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\n");

        var resolved = Resolve(profile: "deploy");

        Assert.IsType<AssumeRoleAWSCredentials>(resolved.Credentials);
        Assert.Equal("profile deploy in ~/.aws/config", resolved.Source);
    }

    [Fact]
    public void SharedCredentialsFileVariable_MovesTheCredentialsFile_LikeTheAwsCli()
    {
        WriteCredentials(ProfileSection("dev", DefaultKey, DefaultSecret)); // the one not to use
        string elsewhere = Write(Path.Combine(root.FullName, "elsewhere", "creds"), ProfileSection("dev", ProfileKey, ProfileSecret));
        environment["AWS_SHARED_CREDENTIALS_FILE"] = elsewhere;

        var resolved = Resolve(profile: "dev");

        AssertKeys(resolved, ProfileKey, ProfileSecret);
        Assert.Equal($"profile dev in {elsewhere}", resolved.Source);
    }

    [Fact]
    public void ConfigFileVariable_MovesTheConfigFile_LikeTheAwsCli()
    {
        WriteConfig(ProfileSection("profile dev", DefaultKey, DefaultSecret)); // the one not to use
        string elsewhere = Write(Path.Combine(root.FullName, "elsewhere", "cfg"), ProfileSection("profile dev", ProfileKey, ProfileSecret));
        environment["AWS_CONFIG_FILE"] = elsewhere;

        var resolved = Resolve(profile: "dev");

        AssertKeys(resolved, ProfileKey, ProfileSecret);
        Assert.Equal($"profile dev in {elsewhere}", resolved.Source);
    }

    [Fact]
    public void MovedCredentialsFile_StillReadsTheConfigFileInTheHomeDirectory_NotOneBesideIt()
    {
        string elsewhere = Write(Path.Combine(root.FullName, "elsewhere", "credentials"), ProfileSection("base", ProfileKey, ProfileSecret));
        Write(Path.Combine(root.FullName, "elsewhere", "config"), ProfileSection("profile dev", DefaultKey, DefaultSecret)); // beside it: not the AWS CLI's
        WriteConfig(ProfileSection("profile dev", EnvKey, EnvSecret));
        environment["AWS_SHARED_CREDENTIALS_FILE"] = elsewhere;

        AssertKeys(Resolve(profile: "dev"), EnvKey, EnvSecret);
    }
}
