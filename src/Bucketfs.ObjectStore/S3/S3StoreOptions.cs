using Amazon.Runtime;
using Bucketfs.ObjectStore.Calls;

namespace Bucketfs.ObjectStore.S3;

/// <summary>Where a bucket is and how to talk to it.</summary>
public sealed record S3StoreOptions : StoreCallOptions
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

    /// <summary>Encryption, storage class, ACL and requester-pays of every object written, copied or read.</summary>
    public S3WritePolicy Writes { get; init; } = new();

    /// <summary>
    /// Whether a request with a body waits for the store's "100 Continue" before sending it (the
    /// SDK's way): a refused upload then costs no bandwidth, but every PUT an extra round trip,
    /// which dominates a copy of many small files.
    /// </summary>
    public bool ExpectContinue { get; init; } = true;
}
