using Bucketfs.ObjectStore.Calls;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>Where a Swift container is, how to sign in, and how bucketfs talks to it.</summary>
public sealed record SwiftStoreOptions : StoreCallOptions
{
    public required string Container { get; init; }

    /// <summary>Object name prefix the mount is confined to ("" or ending in '/').</summary>
    public string Prefix { get; init; } = "";

    /// <summary>How tokens and the storage URL are obtained (Keystone v3, v1 auth, or a given token).</summary>
    public required ISwiftAuthMethod Auth { get; init; }

    /// <summary>Where the segments of large objects go; the Swift CLI's and rclone's convention by default.</summary>
    public string? SegmentContainer { get; init; }

    /// <summary>
    /// A token is renewed once it has less than this left (or less than a quarter of its lifetime,
    /// for short-lived ones), so requests never start with a token about to expire.
    /// </summary>
    public TimeSpan RenewBefore { get; init; } = TimeSpan.FromMinutes(5);
}
