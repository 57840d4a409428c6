using Amazon.Runtime;
using Bucketfs.Cli.Credentials;

namespace Bucketfs.Cli.Tests;

/// <summary>
/// Every test runs against a temporary home directory, a temporary stand-in for /etc/passwd-s3fs
/// and an explicit environment: nothing here reads the real ~/.aws or /etc/passwd-s3fs, and
/// nothing makes a network call (credentials that would are only constructed, never used).
/// </summary>
public sealed class CredentialResolverTests : IDisposable
{
    private const string Bucket = "photos";
    private const UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // Distinctive values so a leak is easy to spot in any string.
    private const string PasswdKey = "AKIAPASSWDKEY0000001";
    private const string PasswdSecret = "passwdSecret/abc+DEF1234567890xyz";
    private const string BucketKey = "AKIABUCKETKEY000002";
    private const string BucketSecret = "bucketSecret/ghi+JKL0987654321uvw";
    private const string ProfileKey = "AKIAPROFILEKEY00003";
    private const string ProfileSecret = "profileSecret/mno+PQR1122334455rst";
    private const string ProfileToken = "profileSessionToken//FwoGZXIvYXdzEJr";
    private const string DefaultKey = "AKIADEFAULTKEY00004";
    private const string DefaultSecret = "defaultSecret/stu+VWX5566778899opq";
    private const string EnvKey = "AKIAENVIRONMENTKEY05";
    private const string EnvSecret = "envSecret/yza+BCD6677889900lmn";
    private const string EnvToken = "envSessionToken//IQoJb3JpZ2luX2Vj";
    private const string HomeKey = "AKIAHOMEPASSWDKEY06";
    private const string HomeSecret = "homeSecret/efg+HIJ1212343456wxy";
    private const string EtcKey = "AKIAETCPASSWDKEY007";
    private const string EtcSecret = "etcSecret/klm+NOP7878909012abc";

    private static readonly string[] AllSecrets =
        [PasswdSecret, BucketSecret, ProfileSecret, ProfileToken, DefaultSecret, EnvSecret, EnvToken, HomeSecret, EtcSecret];

    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("bucketfs-cred-tests-");
    private readonly Dictionary<string, string?> environment = new(StringComparer.Ordinal);

    static CredentialResolverTests()
    {
        // The SDK reads AWS_CONFIG_FILE from the process itself; make sure a developer's or CI's
        // setting cannot point these tests at a real file (this process is the test host only).
        System.Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", null);
        System.Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", null);
    }

    public CredentialResolverTests()
    {
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Path.GetDirectoryName(EtcPasswd)!);
    }

    public void Dispose() => root.Delete(recursive: true);

    private string Home => Path.Combine(root.FullName, "home");
    private string EtcPasswd => Path.Combine(root.FullName, "etc", "passwd-s3fs");
    private string HomePasswd => Path.Combine(Home, ".passwd-s3fs");
    private string AwsCredentials => Path.Combine(Home, ".aws", "credentials");
    private string AwsConfig => Path.Combine(Home, ".aws", "config");

    private CredentialRequest Request(string? passwdFile = null, string? profile = null, bool noSign = false, string bucket = Bucket) =>
        new(bucket, passwdFile, profile, noSign, Home, environment) { SystemPasswdFile = EtcPasswd };

    private ResolvedCredentials Resolve(string? passwdFile = null, string? profile = null, bool noSign = false, string bucket = Bucket) =>
        CredentialResolver.Resolve(Request(passwdFile, profile, noSign, bucket));

    private CredentialException Refused(string? passwdFile = null, string? profile = null, string bucket = Bucket) =>
        Assert.Throws<CredentialException>(() => Resolve(passwdFile, profile, bucket: bucket));

    private static string Write(string path, string text, UnixFileMode mode = Mode600)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private string WritePasswd(string text, UnixFileMode mode = Mode600, string name = "passwd") =>
        Write(Path.Combine(root.FullName, name), text, mode);

    private void WriteCredentials(string text) => Write(AwsCredentials, text);
    private void WriteConfig(string text) => Write(AwsConfig, text);

    private static string ProfileSection(string name, string key, string secret, string? token = null) =>
        $"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n" + (token is null ? "" : $"aws_session_token = {token}\n");

    private void SetEnvironmentKeys(string key = EnvKey, string secret = EnvSecret)
    {
        environment["AWS_ACCESS_KEY_ID"] = key;
        environment["AWS_SECRET_ACCESS_KEY"] = secret;
    }

    private static ImmutableCredentials Keys(ResolvedCredentials resolved) =>
        Assert.IsAssignableFrom<AWSCredentials>(resolved.Credentials).GetCredentials();

    private static void AssertKeys(ResolvedCredentials resolved, string key, string secret, string? token = null)
    {
        var keys = Keys(resolved);
        Assert.Equal(key, keys.AccessKey);
        Assert.Equal(secret, keys.SecretKey);
        if (token is null) Assert.False(keys.UseToken);
        else Assert.Equal(token, keys.Token);
    }

    private static void AssertNoSecret(string text)
    {
        foreach (string secret in AllSecrets) Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
    }

    /// <summary>Every source at once, so precedence tests can take away one layer at a time.</summary>
    private string EverythingConfigured()
    {
        string passwd = WritePasswd($"{PasswdKey}:{PasswdSecret}\n");
        WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret) + ProfileSection("dev", ProfileKey, ProfileSecret));
        Write(HomePasswd, $"{HomeKey}:{HomeSecret}\n");
        Write(EtcPasswd, $"{EtcKey}:{EtcSecret}\n");
        SetEnvironmentKeys();
        return passwd;
    }

    // ---- 1. --no-sign-request ----

    [Fact]
    public void NoSignRequest_GivesNullCredentials_EvenWithEveryOtherSourceConfiguredAndNamed()
    {
        string passwd = EverythingConfigured();

        var resolved = Resolve(passwdFile: passwd, profile: "dev", noSign: true);

        Assert.Null(resolved.Credentials);
        Assert.True(resolved.IsUnsigned);
        Assert.Contains("no-sign-request", resolved.Source);
        Assert.IsType<AnonymousAWSCredentials>(resolved.ForSdkClient());
    }

    // ---- 2. --passwd-file ----

    [Fact]
    public void NamedPasswdFile_BareAccessSecretLine_GivesThoseKeys_AndSourceNamesTheFile()
    {
        string passwd = WritePasswd($"{PasswdKey}:{PasswdSecret}\n");

        var resolved = Resolve(passwdFile: passwd);

        Assert.IsType<BasicAWSCredentials>(resolved.Credentials);
        AssertKeys(resolved, PasswdKey, PasswdSecret);
        Assert.Equal($"passwd file {passwd}", resolved.Source);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NamedPasswdFile_LineForTheMountedBucket_WinsOverTheBareLine_WhereverItStands(bool bucketLineFirst)
    {
        string bare = $"{PasswdKey}:{PasswdSecret}";
        string forBucket = $"{Bucket}:{BucketKey}:{BucketSecret}";
        string passwd = WritePasswd(bucketLineFirst ? $"{forBucket}\n{bare}\n" : $"{bare}\n{forBucket}\n");

        var resolved = Resolve(passwdFile: passwd);

        AssertKeys(resolved, BucketKey, BucketSecret);
        Assert.Contains($"bucket {Bucket}", resolved.Source);
    }

    [Fact]
    public void NamedPasswdFile_LinesForOtherBuckets_AreSkipped_AndTheBareLineIsUsed()
    {
        string passwd = WritePasswd($"other-bucket:{BucketKey}:{BucketSecret}\n{PasswdKey}:{PasswdSecret}\nthird:AKIAX:secretx\n");

        AssertKeys(Resolve(passwdFile: passwd), PasswdKey, PasswdSecret);
    }

    [Fact]
    public void NamedPasswdFile_WithOnlyOtherBucketsLines_IsRefused_NamingTheBucket()
    {
        string passwd = WritePasswd($"other-bucket:{BucketKey}:{BucketSecret}\n");

        var e = Refused(passwdFile: passwd);

        Assert.Contains(passwd, e.Message);
        Assert.Contains($"no line for bucket {Bucket}", e.Message);
        AssertNoSecret(e.Message);
    }

    [Fact]
    public void NamedPasswdFile_CommentsBlankLinesAndSurroundingWhitespace_AreIgnored()
    {
        string passwd = WritePasswd(
            "# s3fs credentials\n\n   \n#other:AKIACOMMENTED:commentedSecret\n  # indented comment: with colons\n" +
            $"  {PasswdKey}:{PasswdSecret}  \r\n\n# trailing comment\n");

        AssertKeys(Resolve(passwdFile: passwd), PasswdKey, PasswdSecret);
    }

    [Theory]
    [InlineData(0b110_100_000)] // 640: group read
    [InlineData(0b110_000_100)] // 604: others read
    [InlineData(0b110_110_000)] // 660: group write
    [InlineData(0b110_000_010)] // 602: others write
    [InlineData(0b110_001_000)] // 610: group execute
    [InlineData(0b110_100_100)] // 644: the umask default
    public void NamedPasswdFile_AccessibleByGroupOrOthers_IsRefusedLikeS3fs(int mode)
    {
        string passwd = WritePasswd($"{PasswdKey}:{PasswdSecret}\n", (UnixFileMode)mode);

        var e = Refused(passwdFile: passwd);

        Assert.Equal($"passwd file {passwd} must not be accessible by others (chmod 600)", e.Message);
    }

    [Theory]
    [InlineData(0b110_000_000)] // 600
    [InlineData(0b100_000_000)] // 400
    public void NamedPasswdFile_PrivateToItsOwner_IsAccepted(int mode)
    {
        string passwd = WritePasswd($"{PasswdKey}:{PasswdSecret}\n", (UnixFileMode)mode);

        AssertKeys(Resolve(passwdFile: passwd), PasswdKey, PasswdSecret);
    }

    [Fact]
    public void NamedPasswdFile_Missing_IsAnError_NotAFallThroughToOtherSources()
    {
        EverythingConfigured();
        string missing = Path.Combine(root.FullName, "no-such-passwd");

        var e = Refused(passwdFile: missing);

        Assert.Equal($"passwd file {missing} does not exist", e.Message);
    }

    [Fact]
    public void NamedPasswdFile_WithOnlyCommentsAndBlankLines_IsRefused()
    {
        string passwd = WritePasswd("# nothing here\n\n");

        var e = Refused(passwdFile: passwd);

        Assert.Contains("no line for bucket", e.Message);
    }

    [Fact]
    public void NamedPasswdFile_Empty_IsRefused()
    {
        Assert.Contains("no line for bucket", Refused(passwdFile: WritePasswd("")).Message);
    }

    [Theory]
    [InlineData("onlyonefield")]
    [InlineData("a:b:c:d")]
    [InlineData(":secretonly")]
    [InlineData("bucket::secret")]
    [InlineData("key with space:secret")]
    [InlineData("[default]")]
    public void NamedPasswdFile_MalformedLine_IsRefusedWithItsLineNumber(string line)
    {
        string passwd = WritePasswd($"# comment\n{PasswdKey}:{PasswdSecret}\n{line}\n");

        var e = Refused(passwdFile: passwd);

        Assert.Contains($"passwd file {passwd} line 3", e.Message);
    }

    [Fact]
    public void NamedPasswdFile_MalformedLineHoldingASecret_DoesNotEchoTheLine()
    {
        string passwd = WritePasswd($"{Bucket}:{BucketKey}:{BucketSecret}:extra\n");

        var e = Refused(passwdFile: passwd);

        AssertNoSecret(e.Message);
        Assert.DoesNotContain(BucketKey, e.Message);
    }

    [Fact]
    public void NamedPasswdFile_TwoBareLinesOrTwoLinesForTheBucket_AreRefusedAsAmbiguous()
    {
        string twoBare = WritePasswd($"{PasswdKey}:{PasswdSecret}\nAKIAOTHER:otherSecret\n", name: "two-bare");
        string twoBucket = WritePasswd($"{Bucket}:{BucketKey}:{BucketSecret}\n{Bucket}:AKIAOTHER:otherSecret\n", name: "two-bucket");

        Assert.Contains("line 2", Refused(passwdFile: twoBare).Message);
        Assert.Contains("line 2", Refused(passwdFile: twoBucket).Message);
    }

    [Fact]
    public void NamedPasswdFile_IsADirectory_IsRefused()
    {
        Assert.Contains("is a directory", Refused(passwdFile: root.FullName).Message);
    }

    [Fact]
    public void NamedPasswdFile_WithTildePath_IsFoundUnderTheHomeDirectory()
    {
        Write(Path.Combine(Home, "keys", "s3"), $"{PasswdKey}:{PasswdSecret}\n");

        var resolved = Resolve(passwdFile: "~/keys/s3");

        AssertKeys(resolved, PasswdKey, PasswdSecret);
        Assert.Contains(Path.Combine(Home, "keys", "s3"), resolved.Source);
    }

    [Fact]
    public void NamedPasswdFile_WinsOverNamedProfileEnvironmentAndEveryFile()
    {
        string passwd = EverythingConfigured();

        AssertKeys(Resolve(passwdFile: passwd, profile: "dev"), PasswdKey, PasswdSecret);
    }

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

    // ---- 5. default profile ----

    [Fact]
    public void DefaultProfile_IsUsedWhenNothingIsNamed_AndWinsOverPasswdS3fsFiles()
    {
        WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret));
        Write(HomePasswd, $"{HomeKey}:{HomeSecret}\n");
        Write(EtcPasswd, $"{EtcKey}:{EtcSecret}\n");

        var resolved = Resolve();

        AssertKeys(resolved, DefaultKey, DefaultSecret);
        Assert.Equal("profile default in ~/.aws/credentials", resolved.Source);
    }

    [Fact]
    public void DefaultProfile_InTheConfigFileOnly_IsUsed()
    {
        WriteConfig(ProfileSection("default", DefaultKey, DefaultSecret) + "region = eu-central-1\n");

        var resolved = Resolve();

        AssertKeys(resolved, DefaultKey, DefaultSecret);
        Assert.Equal("profile default in ~/.aws/config", resolved.Source);
    }

    [Fact]
    public void DefaultProfile_HoldingOnlyARegion_IsSkipped_ForTheNextSource()
    {
        WriteConfig("[default]\nregion = eu-central-1\n");
        Write(HomePasswd, $"{HomeKey}:{HomeSecret}\n");

        AssertKeys(Resolve(), HomeKey, HomeSecret);
    }

    // ---- 6. ~/.passwd-s3fs, /etc/passwd-s3fs ----

    [Fact]
    public void HomePasswdS3fs_IsUsed_AndWinsOverEtcPasswdS3fs()
    {
        Write(HomePasswd, $"{HomeKey}:{HomeSecret}\n");
        Write(EtcPasswd, $"{EtcKey}:{EtcSecret}\n");

        var resolved = Resolve();

        AssertKeys(resolved, HomeKey, HomeSecret);
        Assert.Equal($"passwd file {HomePasswd}", resolved.Source);
    }

    [Fact]
    public void EtcPasswdS3fs_IsUsed_WhenThereIsNoHomeFile_WithItsBucketLine()
    {
        Write(EtcPasswd, $"# system-wide\n{EtcKey}:{EtcSecret}\n{Bucket}:{BucketKey}:{BucketSecret}\n");

        var resolved = Resolve();

        AssertKeys(resolved, BucketKey, BucketSecret);
        Assert.StartsWith($"passwd file {EtcPasswd}", resolved.Source);
    }

    [Fact]
    public void HomePasswdS3fs_AccessibleByOthers_IsRefused_NotSkipped()
    {
        Write(HomePasswd, $"{HomeKey}:{HomeSecret}\n", Mode600 | UnixFileMode.OtherRead);
        Write(EtcPasswd, $"{EtcKey}:{EtcSecret}\n");

        var e = Refused();

        Assert.Equal($"passwd file {HomePasswd} must not be accessible by others (chmod 600)", e.Message);
    }

    [Fact]
    public void EtcPasswdS3fs_AccessibleByGroup_IsRefused()
    {
        Write(EtcPasswd, $"{EtcKey}:{EtcSecret}\n", Mode600 | UnixFileMode.GroupRead);

        Assert.Equal($"passwd file {EtcPasswd} must not be accessible by others (chmod 600)", Refused().Message);
    }

    [Fact]
    public void HomePasswdS3fs_WithoutALineForTheBucket_IsRefused()
    {
        Write(HomePasswd, $"other:{HomeKey}:{HomeSecret}\n");

        Assert.Contains($"no line for bucket {Bucket}", Refused().Message);
    }

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

    // ---- secrets ----

    public static TheoryData<string> EverySource() =>
        new() { "passwd", "bucket-line", "profile", "session-profile", "environment", "environment-token", "default", "home", "etc", "web-identity", "chain" };

    [Theory]
    [MemberData(nameof(EverySource))]
    public void NoSecretAppearsInSourceOrToString_WhateverTheSource(string scenario)
    {
        string? passwd = null, profile = null;
        switch (scenario)
        {
            case "passwd": passwd = WritePasswd($"{PasswdKey}:{PasswdSecret}\n"); break;
            case "bucket-line": passwd = WritePasswd($"{Bucket}:{BucketKey}:{BucketSecret}\n"); break;
            case "profile": WriteCredentials(ProfileSection("dev", ProfileKey, ProfileSecret)); profile = "dev"; break;
            case "session-profile": WriteCredentials(ProfileSection("dev", ProfileKey, ProfileSecret, ProfileToken)); profile = "dev"; break;
            case "environment": SetEnvironmentKeys(); break;
            case "environment-token": SetEnvironmentKeys(); environment["AWS_SESSION_TOKEN"] = EnvToken; break;
            case "default": WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret)); break;
            case "home": Write(HomePasswd, $"{HomeKey}:{HomeSecret}\n"); break;
            case "etc": Write(EtcPasswd, $"{EtcKey}:{EtcSecret}\n"); break;
            case "web-identity":
                environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
                environment["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";
                SetEnvironmentKeys(key: "", secret: ""); // present but empty
                break;
        }
        if (scenario != "web-identity") SetEnvironmentKeysIfUnused(scenario);

        var request = Request(passwdFile: passwd, profile: profile);
        var resolved = CredentialResolver.Resolve(request);

        AssertNoSecret(resolved.Source);
        AssertNoSecret(resolved.ToString());
        AssertNoSecret(resolved.Credentials?.ToString() ?? "");
        AssertNoSecret(request.ToString());
    }

    private void SetEnvironmentKeysIfUnused(string scenario)
    {
        // Put secrets in the environment even where they are not the source, so request.ToString is tested with them present.
        if (scenario is "passwd" or "bucket-line" or "profile" or "session-profile")
        {
            SetEnvironmentKeys();
            environment["AWS_SESSION_TOKEN"] = EnvToken;
        }
    }

    [Fact]
    public void NoSecretAppearsInAnyErrorMessage()
    {
        var messages = new List<string>
        {
            Refused(passwdFile: WritePasswd($"{PasswdKey}:{PasswdSecret}\n", Mode600 | UnixFileMode.OtherRead, "open")).Message,
            Refused(passwdFile: WritePasswd($"other:{BucketKey}:{BucketSecret}\n", name: "other-bucket")).Message,
            Refused(passwdFile: WritePasswd($"{PasswdKey}:{PasswdSecret}\n{PasswdKey} {PasswdSecret}\n", name: "space")).Message,
            Refused(passwdFile: WritePasswd($"{PasswdKey}:{PasswdSecret}:{BucketSecret}:x\n", name: "fields")).Message,
            Refused(passwdFile: WritePasswd($"{PasswdKey}:{PasswdSecret}\n{BucketKey}:{BucketSecret}\n", name: "twice")).Message,
        };
        WriteCredentials(ProfileSection("dev", ProfileKey, ProfileSecret, ProfileToken) + "[empty]\nregion = us-east-1\n");
        messages.Add(Refused(profile: "missing").Message);
        messages.Add(Refused(profile: "empty").Message);
        environment["AWS_SECRET_ACCESS_KEY"] = EnvSecret;
        environment["AWS_SESSION_TOKEN"] = EnvToken;
        messages.Add(Refused().Message);

        foreach (string message in messages)
        {
            AssertNoSecret(message);
            Assert.DoesNotContain('\n', message);
        }
    }

    [Fact]
    public void PasswdFileEntry_ToString_ShowsNeitherKeyNorSecret()
    {
        string passwd = WritePasswd($"{Bucket}:{BucketKey}:{BucketSecret}\n");

        string text = PasswdFile.Read(passwd, Bucket).ToString();

        AssertNoSecret(text);
        Assert.DoesNotContain(BucketKey, text);
    }
}
