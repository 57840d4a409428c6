namespace Bucketfs.Cli.Mount;

/// <summary>What to mount: s3://BUCKET[/PREFIX], or s3fs's BUCKET[:/PREFIX].</summary>
internal sealed record BucketSource(string Bucket, string Prefix)
{
    public static BucketSource Parse(string text)
    {
        string rest = text.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) ? text[5..] : text.Replace(":/", "/");
        int slash = rest.IndexOf('/');
        string bucket = slash < 0 ? rest : rest[..slash];
        string prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (bucket.Length == 0 || bucket.Any(c => char.IsWhiteSpace(c) || c == ':'))
            throw new UsageException($"'{text}' is not a bucket (expected s3://BUCKET[/PREFIX] or BUCKET[:/PREFIX])");
        return new BucketSource(bucket, prefix.Length == 0 ? "" : prefix + "/");
    }

    public override string ToString() => $"s3://{Bucket}/{Prefix}";
}

/// <summary>Bad command-line input: printed as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
