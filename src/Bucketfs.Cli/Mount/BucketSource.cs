using System.Text.RegularExpressions;

namespace Bucketfs.Cli.Mount;

/// <summary>What to mount: s3://BUCKET[/PREFIX], or s3fs's BUCKET[:/PREFIX].</summary>
internal sealed partial record BucketSource(string Bucket, string Prefix)
{
    public static BucketSource Parse(string text)
    {
        string rest = text.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) ? text[5..] : text.Replace(":/", "/");
        int slash = rest.IndexOf('/');
        string bucket = slash < 0 ? rest : rest[..slash];
        string prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (!BucketName().IsMatch(bucket))
            throw new UsageException($"source '{text}': expected s3://BUCKET[/PREFIX] or BUCKET[:/PREFIX], BUCKET being 3 to 255 letters, digits, dots, hyphens or underscores");
        return new BucketSource(bucket, prefix.Length == 0 ? "" : prefix + "/");
    }

    public override string ToString() => $"s3://{Bucket}/{Prefix}";

    // What any S3-speaking store accepts: AWS's rules today are narrower (3-63, lower case), but
    // buckets made in us-east-1 before 2018, Ceph with relaxed names and Swift's S3 layer allow
    // 255 characters, capitals and underscores. Nothing else survives: other characters are
    // escaped in the request path and fail its signature, which reads as wrong credentials.
    [GeneratedRegex("^[A-Za-z0-9._-]{3,255}$")]
    private static partial Regex BucketName();
}
