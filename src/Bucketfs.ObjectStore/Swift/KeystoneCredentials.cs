namespace Bucketfs.ObjectStore.Swift;

/// <summary>
/// What Keystone v3 is asked with, as openrc files, clouds.yaml and rclone keep it: an application
/// credential (id and secret, or name, secret and user), a password (user, project, their
/// domains), or an existing token; and which object-store endpoint of the catalog to use.
/// </summary>
public sealed record KeystoneCredentials
{
    public required Uri AuthUrl { get; init; }
    public string? ApplicationCredentialId { get; init; }
    public string? ApplicationCredentialName { get; init; }
    public string? ApplicationCredentialSecret { get; init; }
    public string? UserId { get; init; }
    public string? UserName { get; init; }
    public string? UserDomainId { get; init; }
    public string? UserDomainName { get; init; }
    public string? Password { get; init; }
    public string? ProjectId { get; init; }
    public string? ProjectName { get; init; }
    public string? ProjectDomainId { get; init; }
    public string? ProjectDomainName { get; init; }

    /// <summary>An existing token, exchanged for a project-scoped one with a catalog.</summary>
    public string? Token { get; init; }

    /// <summary>The catalog's region to use; null takes the first object-store endpoint.</summary>
    public string? Region { get; init; }

    /// <summary>public, internal or admin.</summary>
    public string Interface { get; init; } = "public";

    /// <summary>Overrides the catalog (OS_STORAGE_URL, rclone's storage_url).</summary>
    public Uri? StorageUrl { get; init; }

    public bool UsesApplicationCredential => ApplicationCredentialSecret != null && (ApplicationCredentialId ?? ApplicationCredentialName) != null;

    /// <summary>What signs in, for messages: never a secret.</summary>
    public string Describe() =>
        UsesApplicationCredential ? $"application credential {ApplicationCredentialId ?? ApplicationCredentialName}"
        : Password != null ? $"user {UserId ?? UserName}"
        : Token != null ? "the given token"
        : "no credentials";

    // Secrets stay out of logs even if a record is printed whole.
    public override string ToString() => $"KeystoneCredentials {{ AuthUrl = {AuthUrl}, {Describe()}, Region = {Region}, Interface = {Interface} }}";
}
