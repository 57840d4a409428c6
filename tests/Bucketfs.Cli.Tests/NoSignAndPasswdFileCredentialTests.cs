using Amazon.Runtime;
using Bucketfs.Cli.Credentials;

namespace Bucketfs.Cli.Tests;

/// <summary>--no-sign-request and --passwd-file: the two sources named on the command line that win over all others.</summary>
[Collection(nameof(CredentialTestBed))]
public sealed class NoSignAndPasswdFileCredentialTests : CredentialTestBed
{
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
    [InlineData(0b110_100_000, "must not be accessible by its group (chmod 600; only /etc/passwd-s3fs may be 640)")] // 640: group read
    [InlineData(0b110_000_100, "must not be accessible by others (chmod 600)")] // 604: others read
    [InlineData(0b110_110_000, "must not be accessible by its group (chmod 600; only /etc/passwd-s3fs may be 640)")] // 660: group write
    [InlineData(0b110_000_010, "must not be accessible by others (chmod 600)")] // 602: others write
    [InlineData(0b110_001_000, "must not be accessible by its group (chmod 600; only /etc/passwd-s3fs may be 640)")] // 610: group execute
    [InlineData(0b110_100_100, "must not be accessible by others (chmod 600)")] // 644: the umask default
    [InlineData(0b111_000_000, "must not be executable (chmod 600)")] // 700
    public void NamedPasswdFile_AccessibleByGroupOrOthers_IsRefusedLikeS3fs(int mode, string problem)
    {
        string passwd = WritePasswd($"{PasswdKey}:{PasswdSecret}\n", (UnixFileMode)mode);

        var e = Refused(passwdFile: passwd);

        Assert.Equal($"passwd file {passwd} {problem}", e.Message);
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
        string passwd = WritePasswd($"{Bucket}:{BucketKey} {BucketSecret}\n");

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
}
