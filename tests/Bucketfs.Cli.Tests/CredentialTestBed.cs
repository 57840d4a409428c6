using Amazon.Runtime;
using Bucketfs.Cli.Credentials;

namespace Bucketfs.Cli.Tests;

/// <summary>
/// What every credential test runs against: a temporary home directory, a temporary stand-in for
/// /etc/passwd-s3fs and an explicit environment. Nothing reads the real ~/.aws or
/// /etc/passwd-s3fs, and nothing makes a network call (credentials that would are only
/// constructed, never used). The test classes, one per credential source, are in one collection
/// so they run one at a time, as they did when they were one class.
/// </summary>
public abstract class CredentialTestBed : IDisposable
{
    private protected const string Bucket = "photos";
    private protected const UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // Distinctive values so a leak is easy to spot in any string.
    private protected const string PasswdKey = "AKIAPASSWDKEY0000001";
    private protected const string PasswdSecret = "passwdSecret/abc+DEF1234567890xyz";
    private protected const string BucketKey = "AKIABUCKETKEY000002";
    private protected const string BucketSecret = "bucketSecret/ghi+JKL0987654321uvw";
    private protected const string ProfileKey = "AKIAPROFILEKEY00003";
    private protected const string ProfileSecret = "profileSecret/mno+PQR1122334455rst";
    private protected const string ProfileToken = "profileSessionToken//FwoGZXIvYXdzEJr";
    private protected const string DefaultKey = "AKIADEFAULTKEY00004";
    private protected const string DefaultSecret = "defaultSecret/stu+VWX5566778899opq";
    private protected const string EnvKey = "AKIAENVIRONMENTKEY05";
    private protected const string EnvSecret = "envSecret/yza+BCD6677889900lmn";
    private protected const string EnvToken = "envSessionToken//IQoJb3JpZ2luX2Vj";
    private protected const string HomeKey = "AKIAHOMEPASSWDKEY06";
    private protected const string HomeSecret = "homeSecret/efg+HIJ1212343456wxy";
    private protected const string EtcKey = "AKIAETCPASSWDKEY007";
    private protected const string EtcSecret = "etcSecret/klm+NOP7878909012abc";

    private protected static readonly string[] AllSecrets =
        [PasswdSecret, BucketSecret, ProfileSecret, ProfileToken, DefaultSecret, EnvSecret, EnvToken, HomeSecret, EtcSecret];

    private protected readonly DirectoryInfo root = Directory.CreateTempSubdirectory("bucketfs-cred-tests-");
    private protected readonly Dictionary<string, string?> environment = new(StringComparer.Ordinal);

    static CredentialTestBed()
    {
        // The SDK reads AWS_CONFIG_FILE from the process itself; make sure a developer's or CI's
        // setting cannot point these tests at a real file (this process is the test host only).
        System.Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", null);
        System.Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", null);
    }

    protected CredentialTestBed()
    {
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Path.GetDirectoryName(EtcPasswd)!);
    }

    public void Dispose() => root.Delete(recursive: true);

    private protected string Home => Path.Combine(root.FullName, "home");
    private protected string EtcPasswd => Path.Combine(root.FullName, "etc", "passwd-s3fs");
    private protected string HomePasswd => Path.Combine(Home, ".passwd-s3fs");
    private protected string AwsCredentials => Path.Combine(Home, ".aws", "credentials");
    private protected string AwsConfig => Path.Combine(Home, ".aws", "config");

    private protected CredentialRequest Request(string? passwdFile = null, string? profile = null, bool noSign = false, string bucket = Bucket) =>
        new(bucket, passwdFile, profile, noSign, Home, environment) { SystemPasswdFile = EtcPasswd };

    private protected ResolvedCredentials Resolve(string? passwdFile = null, string? profile = null, bool noSign = false, string bucket = Bucket) =>
        CredentialResolver.Resolve(Request(passwdFile, profile, noSign, bucket));

    private protected CredentialException Refused(string? passwdFile = null, string? profile = null, string bucket = Bucket) =>
        Assert.Throws<CredentialException>(() => Resolve(passwdFile, profile, bucket: bucket));

    private protected static string Write(string path, string text, UnixFileMode mode = Mode600)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private protected string WritePasswd(string text, UnixFileMode mode = Mode600, string name = "passwd") =>
        Write(Path.Combine(root.FullName, name), text, mode);

    private protected void WriteCredentials(string text) => Write(AwsCredentials, text);
    private protected void WriteConfig(string text) => Write(AwsConfig, text);

    private protected static string ProfileSection(string name, string key, string secret, string? token = null) =>
        $"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n" + (token is null ? "" : $"aws_session_token = {token}\n");

    private protected void SetEnvironmentKeys(string key = EnvKey, string secret = EnvSecret)
    {
        environment["AWS_ACCESS_KEY_ID"] = key;
        environment["AWS_SECRET_ACCESS_KEY"] = secret;
    }

    private protected static ImmutableCredentials Keys(ResolvedCredentials resolved) =>
        Assert.IsAssignableFrom<AWSCredentials>(resolved.Credentials).GetCredentials();

    private protected static void AssertKeys(ResolvedCredentials resolved, string key, string secret, string? token = null)
    {
        var keys = Keys(resolved);
        Assert.Equal(key, keys.AccessKey);
        Assert.Equal(secret, keys.SecretKey);
        if (token is null) Assert.False(keys.UseToken);
        else Assert.Equal(token, keys.Token);
    }

    private protected static void AssertNoSecret(string text)
    {
        foreach (string secret in AllSecrets) Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
    }

    /// <summary>Every source at once, so precedence tests can take away one layer at a time.</summary>
    private protected string EverythingConfigured()
    {
        string passwd = WritePasswd($"{PasswdKey}:{PasswdSecret}\n");
        WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret) + ProfileSection("dev", ProfileKey, ProfileSecret));
        Write(HomePasswd, $"{HomeKey}:{HomeSecret}\n");
        Write(EtcPasswd, $"{EtcKey}:{EtcSecret}\n");
        SetEnvironmentKeys();
        return passwd;
    }
}

