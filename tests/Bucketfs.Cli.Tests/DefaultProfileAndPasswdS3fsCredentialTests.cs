using Amazon.Runtime;
using Bucketfs.Cli.Credentials;

namespace Bucketfs.Cli.Tests;

/// <summary>The default profile, then ~/.passwd-s3fs and /etc/passwd-s3fs.</summary>
[Collection(nameof(CredentialTestBed))]
public sealed class DefaultProfileAndPasswdS3fsCredentialTests : CredentialTestBed
{
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
    public void EtcPasswdS3fs_ReadableByItsGroup_IsAcceptedAsInS3fs_ButNotWritable()
    {
        Write(EtcPasswd, $"{EtcKey}:{EtcSecret}\n", Mode600 | UnixFileMode.GroupRead);
        Assert.Equal(EtcKey, Resolve().Credentials!.GetCredentials().AccessKey);

        File.SetUnixFileMode(EtcPasswd, Mode600 | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        Assert.Equal($"passwd file {EtcPasswd} must not be writable by its group (chmod 640)", Refused().Message);
    }

    [Fact]
    public void HomePasswdS3fs_ReadableByItsGroup_IsRefusedAsInS3fs()
    {
        Write(HomePasswd, $"{HomeKey}:{HomeSecret}\n", Mode600 | UnixFileMode.GroupRead);

        Assert.Contains("only /etc/passwd-s3fs may be 640", Refused().Message);
    }

    [Fact]
    public void HomePasswdS3fs_WithoutALineForTheBucket_IsRefused()
    {
        Write(HomePasswd, $"other:{HomeKey}:{HomeSecret}\n");

        Assert.Contains($"no line for bucket {Bucket}", Refused().Message);
    }
}
