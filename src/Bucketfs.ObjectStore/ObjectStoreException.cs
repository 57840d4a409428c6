namespace Bucketfs.ObjectStore;

/// <summary>Why a store call failed, in the terms a filesystem answers with.</summary>
public enum StoreError
{
    /// <summary>The key (or the bucket) does not exist.</summary>
    NotFound,
    NoSuchBucket,
    AccessDenied,
    /// <summary>The credentials were refused (unknown key, bad signature, expired token).</summary>
    InvalidCredentials,
    /// <summary>If-Match failed: the object changed.</summary>
    PreconditionFailed,
    InvalidRange,
    /// <summary>Timed out, unreachable, or 5xx after every retry.</summary>
    Unavailable,
    /// <summary>The store does not implement the request.</summary>
    NotSupported,
    /// <summary>Any other refusal.</summary>
    Rejected,
}

public sealed class ObjectStoreException(StoreError error, string message, Exception? inner = null) : Exception(message, inner)
{
    public StoreError Error { get; } = error;
}
