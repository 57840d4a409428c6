using System.Text.RegularExpressions;

namespace Bucketfs.Cli.Mount;

/// <summary>
/// What to mount or copy: s3://BUCKET[/PREFIX], swift://CONTAINER[/PREFIX], an rclone remote's
/// REMOTE:BUCKET[/PREFIX], or s3fs's BUCKET[:/PREFIX].
/// </summary>
internal sealed partial record BucketSource(string Bucket, string Prefix, string Scheme = BucketSource.S3, string? Remote = null)
{
    public const string S3 = "s3";
    public const string Swift = "swift";

    public static BucketSource Parse(string text)
    {
        if (text.StartsWith("swift://", StringComparison.OrdinalIgnoreCase))
            return Split(text, text[8..], Swift, null, ContainerName(), "swift://CONTAINER[/PREFIX], CONTAINER being 1 to 256 characters other than '/'");
        if (text.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            return Split(text, text[5..], S3, null, BucketName(), BucketRule);
        // rclone's REMOTE:PATH; s3fs's BUCKET:/PREFIX has the slash right after the colon.
        if (RemoteForm().Match(text) is { Success: true } remote)
            return Split(text, remote.Groups[2].Value, S3, remote.Groups[1].Value, ContainerName(), "REMOTE:BUCKET[/PREFIX], naming a bucket or container after the remote");
        return Split(text, text.Replace(":/", "/"), S3, null, BucketName(), BucketRule);
    }

    private const string BucketRule = "s3://BUCKET[/PREFIX] or BUCKET[:/PREFIX], BUCKET being 3 to 255 letters, digits, dots, hyphens or underscores";

    private static BucketSource Split(string text, string rest, string scheme, string? remote, Regex valid, string rule)
    {
        int slash = rest.IndexOf('/');
        string bucket = slash < 0 ? rest : rest[..slash];
        string prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (!valid.IsMatch(bucket)) throw new UsageException($"source '{text}': expected {rule}");
        return new BucketSource(bucket, prefix.Length == 0 ? "" : prefix + "/", scheme, remote);
    }

    /// <summary>The same source with the scheme of the store an rclone remote turned out to be.</summary>
    public BucketSource As(string scheme) => this with { Scheme = scheme };

    public override string ToString() => Remote is null ? $"{Scheme}://{Bucket}/{Prefix}" : $"{Remote}:{Bucket}/{Prefix}";

    // What any S3-speaking store accepts: AWS's rules today are narrower (3-63, lower case), but
    // buckets made in us-east-1 before 2018, Ceph with relaxed names and Swift's S3 layer allow
    // 255 characters, capitals and underscores. Nothing else survives: other characters are
    // escaped in the request path and fail its signature, which reads as wrong credentials.
    [GeneratedRegex("^[A-Za-z0-9._-]{3,255}$")]
    private static partial Regex BucketName();

    // Swift's own API takes any name without '/' of up to 256 bytes (it is escaped in the URL).
    [GeneratedRegex("^[^/]{1,256}$")]
    private static partial Regex ContainerName();

    // rclone remote names: letters, digits, '_', '-', '.', '+', '@' and spaces, not starting with '-' or a space.
    [GeneratedRegex("^([A-Za-z0-9_.+@][A-Za-z0-9_.+@ -]*):([^/].*)$")]
    private static partial Regex RemoteForm();
}
