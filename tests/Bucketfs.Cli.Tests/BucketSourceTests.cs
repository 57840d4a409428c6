using Bucketfs.Cli.Mount;

namespace Bucketfs.Cli.Tests;

/// <summary>Sources name their store: s3://, swift://, an rclone remote's REMOTE:PATH, or s3fs's BUCKET[:/PREFIX].</summary>
public sealed class BucketSourceTests
{
    [Theory]
    [InlineData("s3://bucket/a/b", "bucket", "a/b/", "s3", null)]
    [InlineData("swift://My Container/x", "My Container", "x/", "swift", null)]
    [InlineData("chi_tacc:object-persist-ff524", "object-persist-ff524", "", "s3", "chi_tacc")]
    [InlineData("remote:bucket/prefix/", "bucket", "prefix/", "s3", "remote")]
    [InlineData("bucket:/prefix", "bucket", "prefix/", "s3", null)]
    [InlineData("bucket", "bucket", "", "s3", null)]
    public void SourceIsSplitIntoStoreBucketAndPrefix(string text, string bucket, string prefix, string scheme, string? remote)
    {
        var source = BucketSource.Parse(text);
        Assert.Equal((bucket, prefix, scheme, remote), (source.Bucket, source.Prefix, source.Scheme, source.Remote));
    }

    [Fact]
    public void SwiftSourceWithoutAContainerIsAUsageError() => Assert.Throws<UsageException>(() => BucketSource.Parse("swift://"));

    [Fact]
    public void ColonSlashIsS3fsPrefixNotAnRcloneRemote()
    {
        var source = BucketSource.Parse("name:/path");
        Assert.Equal(("name", "path/", null), (source.Bucket, source.Prefix, source.Remote));
    }
}
