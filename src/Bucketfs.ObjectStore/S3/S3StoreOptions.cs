using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
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

    /// <summary>Bound on one attempt until the store answers (the whole answer, for listings and other small ones).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A body being received that brings no bytes for this long is abandoned and asked for again
    /// on a new connection: a stalled connection must not hold a reader for a whole call timeout.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bound on a whole call, retries included (a caller's own deadline may be shorter).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Slowest upload rate still waited for: an attempt that sends a body gets its size at this rate
    /// on top of <see cref="AttemptTimeout"/>, so a large part is not cut off on a slow link.
    /// </summary>
    public long SlowestUploadBytesPerSecond { get; init; } = 1 << 20;

    /// <summary>Retries after the first attempt on 5xx, SlowDown, connection errors, timeouts and malformed bodies (never on other 4xx).</summary>
    public int MaxRetries { get; init; } = 5;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where requests are counted and timed (bucketfs.store.*); null: nowhere.</summary>
    public Meter? Meter { get; init; }

    /// <summary>Where each request is logged at debug level (method, key, range, status, bytes, time, attempt); null: nowhere.</summary>
    public ILogger? Log { get; init; }
}
