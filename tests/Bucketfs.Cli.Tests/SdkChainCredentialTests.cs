using Amazon.Runtime;
using Bucketfs.Cli.Credentials;

namespace Bucketfs.Cli.Tests;

/// <summary>What is left to the SDK's own chain when nothing else is configured.</summary>
[Collection(nameof(CredentialTestBed))]
public sealed class SdkChainCredentialTests : CredentialTestBed
{
    // ---- 7. SDK chain ----

    [Fact]
    public void NothingConfigured_GivesTheDeferredSdkChain_WithASourceSayingSo()
    {
        var resolved = Resolve();

        Assert.IsType<DeferredChainCredentials>(resolved.Credentials);
        Assert.Equal(CredentialResolver.SdkChainSource, resolved.Source);
        Assert.False(resolved.IsUnsigned);
    }

    [Fact]
    public void NoHomeDirectoryAndNothingElse_StillGivesTheSdkChain_AndANamedProfileIsAClearError()
    {
        var bare = new CredentialRequest(Bucket, null, null, false, "", environment) { SystemPasswdFile = EtcPasswd };
        Assert.IsType<DeferredChainCredentials>(CredentialResolver.Resolve(bare).Credentials);

        var e = Assert.Throws<CredentialException>(() => CredentialResolver.Resolve(bare with { Profile = "dev" }));
        Assert.Contains("profile dev", e.Message);
    }

    [Fact]
    public void WebIdentityVariables_GiveAssumeRoleWithWebIdentityCredentials_WithoutReadingTheToken()
    {
        string tokenFile = Path.Combine(root.FullName, "token"); // need not exist until first use
        environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile;
        environment["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/mounter";
        environment["AWS_ROLE_SESSION_NAME"] = "bucketfs-test";

        var resolved = Resolve();

        var web = Assert.IsType<AssumeRoleWithWebIdentityCredentials>(resolved.Credentials);
        Assert.Equal(tokenFile, web.WebIdentityTokenFile);
        Assert.Equal("arn:aws:iam::123456789012:role/mounter", web.RoleArn);
        Assert.Equal("bucketfs-test", web.RoleSessionName);
        Assert.StartsWith("web identity", resolved.Source);
    }

    [Fact]
    public void WebIdentity_ComesAfterPasswdS3fsFiles()
    {
        environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = Path.Combine(root.FullName, "token");
        environment["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/mounter";
        Write(EtcPasswd, $"{EtcKey}:{EtcSecret}\n");

        AssertKeys(Resolve(), EtcKey, EtcSecret);
    }

    [Theory]
    [InlineData("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token", "AWS_ROLE_ARN")]
    [InlineData("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE")]
    public void HalfAWebIdentityConfiguration_IsAnErrorNamingTheMissingVariable(string set, string value, string missing)
    {
        environment[set] = value;

        var e = Refused();

        Assert.Contains($"{missing} is not", e.Message);
    }

    [Fact]
    public void WebIdentityTokenFile_MustBeAnAbsolutePath()
    {
        environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = "relative/token";
        environment["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";

        Assert.Contains("web identity", Refused().Message);
    }

    [Fact]
    public void ContainerCredentialVariables_AreLeftToTheSdkChain_AndSourceSaysContainer()
    {
        environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";

        var resolved = Resolve();

        Assert.IsType<DeferredChainCredentials>(resolved.Credentials);
        Assert.StartsWith("container credentials", resolved.Source);
    }

    [Fact]
    public async Task DeferredChain_ThatFindsNothing_FailsOnUseWithOneClearCredentialException()
    {
        var chain = new DeferredChainCredentials(Bucket, _ => throw new AmazonClientException(
            "Failed to resolve AWS credentials. The credential providers used to search for credentials returned the following errors:\n\n" +
            "Exception 1 of 1: Failed to retrieve credentials from EC2 Instance Metadata Service."));

        var sync = Assert.Throws<CredentialException>(() => chain.GetCredentials());
        var async = await Assert.ThrowsAsync<CredentialException>(() => chain.GetCredentialsAsync());

        foreach (var e in new[] { sync, async })
        {
            Assert.Null(e.InnerException);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains($"bucket {Bucket}", e.Message);
            Assert.Contains("Instance Metadata Service", e.Message);
            Assert.Contains("--no-sign-request", e.Message);
        }
    }

    [Fact]
    public async Task DeferredChain_ResolvesOnFirstUseOnly_ThenDelegates_AndRetriesAfterAFailure()
    {
        int calls = 0;
        var chain = new DeferredChainCredentials(Bucket, _ =>
        {
            calls++;
            if (calls == 1) throw new AmazonClientException("metadata service not up yet");
            return Task.FromResult<AWSCredentials>(new BasicAWSCredentials(EnvKey, EnvSecret));
        });
        Assert.Equal(0, calls); // building it called nothing

        Assert.Throws<CredentialException>(() => chain.GetCredentials());
        Assert.Equal(EnvKey, chain.GetCredentials().AccessKey);
        Assert.Equal(EnvSecret, (await chain.GetCredentialsAsync()).SecretKey);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task DeferredChain_Failure_ReachesTheCallerOfAnS3Request_AsTheCredentialException()
    {
        // Loopback endpoint on a closed port: the credentials are asked for before any connection.
        var chain = new DeferredChainCredentials(Bucket, _ => throw new AmazonClientException("Exception 1 of 1: Failed to connect to EC2 instance metadata."));
        var config = new Amazon.S3.AmazonS3Config { ServiceURL = "http://127.0.0.1:9", ForcePathStyle = true, MaxErrorRetry = 0, AuthenticationRegion = "us-east-1" };
        using var client = new Amazon.S3.AmazonS3Client(chain, config);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = Bucket }));

        var innermost = e;
        while (innermost.InnerException is not null) innermost = innermost.InnerException;
        var credential = Assert.IsType<CredentialException>(innermost);
        Assert.Contains("Failed to connect to EC2 instance metadata", credential.Message);
        Assert.DoesNotContain("Exception 1 of 1", credential.Message);
    }

    [Theory]
    [InlineData("auto", typeof(DeferredChainCredentials), "instance metadata (-o iam_role)")]
    [InlineData("reader", typeof(InstanceProfileAWSCredentials), "instance metadata, role reader (-o iam_role)")]
    [InlineData("ecs", typeof(DeferredChainCredentials), "container credentials (-o ecs)")]
    public void IamRoleOrEcs_ComesBeforeEveryFile_AndAsksTheMachine(string role, Type kind, string source)
    {
        WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret));
        environment["AWS_ACCESS_KEY_ID"] = EnvKey;
        environment["AWS_SECRET_ACCESS_KEY"] = EnvSecret;

        var resolved = CredentialResolver.Resolve(Request() with { IamRole = role });

        Assert.IsType(kind, resolved.Credentials);
        Assert.Equal(source, resolved.Source);
    }
}
