using Amazon.Runtime;

namespace Bucketfs.ObjectStore.S3;

/// <summary>Where a bucket is and how to talk to it.</summary>
public sealed record S3StoreOptions
{
    public required string Bucket { get; init; }

    /// <summary>Key prefix the mount is confined to ("" or ending in '/').</summary>
    public string Prefix { get; init; } = "";

    /// <summary>The store's URL for S3-compatible stores; null for AWS itself.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Signing region; null: detected from the bucket on AWS, us-east-1 elsewhere.</summary>
    public string? Region { get; init; }

    /// <summary>Address the bucket in the path (https://host/bucket/key) rather than the host name.</summary>
    public bool PathStyle { get; init; }

    /// <summary>Null sends unsigned requests (public buckets).</summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>Connections kept per store host; parallel reads need several.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Bound on one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on a whole call, retries included.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Retries after the first attempt on 5xx, SlowDown and connection errors (never on other 4xx).</summary>
    public int MaxRetries { get; init; } = 5;
}
