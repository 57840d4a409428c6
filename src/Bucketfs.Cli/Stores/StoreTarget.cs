using Bucketfs.Cli.Mount;
using Bucketfs.ObjectStore;

namespace Bucketfs.Cli.Stores;

/// <summary>
/// A store that credentials and settings have been found for, not yet asked anything:
/// <see cref="OpenAsync"/> makes the <see cref="IObjectStore"/> (the first network call may
/// happen there), and the descriptions let a command say what failed in one line.
/// </summary>
internal abstract class StoreTarget(BucketSource source, string credentialSource)
{
    public BucketSource Source { get; } = source;

    /// <summary>Where the credentials came from, for messages; never a secret.</summary>
    public string CredentialSource { get; } = credentialSource;

    /// <summary>The service, for messages ("http://host:7480", "AWS S3", "Swift at URL").</summary>
    public abstract string Where { get; }

    /// <summary>What the store calls a bucket.</summary>
    public abstract string Noun { get; }

    /// <summary>Names the store for a folder of local state: the same place gives the same text.</summary>
    public abstract string Place { get; }

    /// <summary>
    /// The store for a command, or with <paramref name="probe"/> one that tries once within
    /// <paramref name="bound"/>, for checking before a mount that the store answers.
    /// </summary>
    public abstract Task<IObjectStore> OpenAsync(bool probe, TimeSpan bound, CancellationToken cancellation);

    /// <summary>A failed call as one line for the user.</summary>
    public virtual string Explain(ObjectStoreException e) => e.Error switch
    {
        StoreError.NoSuchBucket or StoreError.NotFound => $"{Noun} {Source.Bucket} does not exist at {Where}",
        StoreError.InvalidCredentials => $"{Where} refused the credentials from {CredentialSource} ({Reason(e)})",
        StoreError.AccessDenied => $"access to {Source} denied for the credentials from {CredentialSource}",
        StoreError.Unavailable => $"cannot reach {Where}: {Reason(e)}",
        _ => $"{Source} at {Where}: {Reason(e)}",
    };

    /// <summary>The failure without the call it was part of ("list x in s3://b/: ").</summary>
    protected static string Reason(ObjectStoreException e)
    {
        string message = e.Message;
        int colon = message.IndexOf(": ", StringComparison.Ordinal);
        return colon >= 0 ? message[(colon + 2)..] : message;
    }
}
