namespace Bucketfs.ObjectStore.Swift;

/// <summary>A token and the account URL it is for; <see cref="ExpiresAt"/> null when the service does not say.</summary>
public sealed record SwiftSession(string Token, Uri StorageUrl, DateTimeOffset IssuedAt, DateTimeOffset? ExpiresAt);

/// <summary>A way to obtain a <see cref="SwiftSession"/>: Keystone v3, Swift's v1 auth, or a token given by the user.</summary>
public interface ISwiftAuthMethod
{
    /// <summary>What signs in, for messages: never a secret.</summary>
    string Description { get; }

    /// <summary>Whether a new token can be had when the current one expires or is refused.</summary>
    bool CanRenew { get; }

    /// <summary>
    /// Signs in. Failures are <see cref="ObjectStoreException"/>s whose message names the auth
    /// service: InvalidCredentials when it refuses, Unavailable when it cannot be reached.
    /// </summary>
    Task<SwiftSession> SignInAsync(HttpClient http, TimeProvider time, CancellationToken cancellation);
}

/// <summary>A token and storage URL the user already has (OS_AUTH_TOKEN + OS_STORAGE_URL): used until it is refused.</summary>
public sealed class GivenToken(string token, Uri storageUrl) : ISwiftAuthMethod
{
    public string Description => $"the token given for {storageUrl}";

    public bool CanRenew => false;

    public Task<SwiftSession> SignInAsync(HttpClient http, TimeProvider time, CancellationToken cancellation) =>
        Task.FromResult(new SwiftSession(token, storageUrl, time.GetUtcNow(), null));
}
