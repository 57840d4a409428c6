using Bucketfs.Cli.Credentials;
using Bucketfs.ObjectStore.Swift;

namespace Bucketfs.Cli.Stores;

/// <summary>
/// Sign-in for a Swift store from OpenStack's settings, named as clouds.yaml and the OS_*
/// variables of an openrc file name them (auth_url, application_credential_id, username,
/// project_name, user_domain_name, region_name, interface, auth_token, storage_url, ...): the
/// --os-* options, a clouds.yaml cloud and the environment all come down to these names.
/// </summary>
internal static class OpenStackAuth
{
    /// <summary>Every setting bucketfs reads, by its clouds.yaml name; --os-NAME and OS_NAME spell them with '-' and in capitals.</summary>
    public static readonly string[] Names =
    [
        "auth_url", "auth_type", "auth_version", "identity_api_version",
        "application_credential_id", "application_credential_name", "application_credential_secret",
        "username", "user_id", "password", "user_domain_name", "user_domain_id",
        "project_name", "project_id", "project_domain_name", "project_domain_id", "tenant_name", "tenant_id",
        "region_name", "interface", "endpoint_type", "auth_token", "token", "storage_url",
    ];

    /// <summary>The sign-in those settings describe; <paramref name="from"/> says where they came from, for messages.</summary>
    public static ISwiftAuthMethod Create(IReadOnlyDictionary<string, string> s, string from)
    {
        string? Get(string name) => s.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
        string? token = Get("auth_token") ?? Get("token");
        var storage = Get("storage_url") is { } storageText ? Url(storageText, "storage_url", from) : null;
        string? authUrl = Get("auth_url");
        if (authUrl is null)
        {
            if (token != null && storage != null) return new GivenToken(token, storage);
            throw new CredentialException($"no OpenStack auth URL in {from} (OS_AUTH_URL, --os-auth-url, or auth_url of a clouds.yaml cloud or an rclone remote)");
        }
        var auth = Url(authUrl, "auth_url", from);
        if (token != null && storage != null && Get("password") is null && Get("application_credential_secret") is null) return new GivenToken(token, storage);
        if (IsV1(auth, Get("auth_version") ?? Get("identity_api_version")))
        {
            string user = Get("username") ?? throw new CredentialException($"v1 auth at {auth} needs a user name ({from})");
            string key = Get("password") ?? throw new CredentialException($"v1 auth at {auth} needs a key or password ({from})");
            return new SwiftV1Auth(auth, user, key);
        }
        var credentials = new KeystoneCredentials
        {
            AuthUrl = auth,
            ApplicationCredentialId = Get("application_credential_id"),
            ApplicationCredentialName = Get("application_credential_name"),
            ApplicationCredentialSecret = Get("application_credential_secret"),
            UserId = Get("user_id"),
            UserName = Get("username"),
            UserDomainId = Get("user_domain_id"),
            UserDomainName = Get("user_domain_name"),
            Password = Get("password"),
            ProjectId = Get("project_id") ?? Get("tenant_id"),
            ProjectName = Get("project_name") ?? Get("tenant_name"),
            ProjectDomainId = Get("project_domain_id"),
            ProjectDomainName = Get("project_domain_name"),
            Token = token,
            Region = Get("region_name"),
            Interface = Interface(Get("interface") ?? Get("endpoint_type")),
            StorageUrl = storage,
        };
        if (credentials.ApplicationCredentialSecret is null && (credentials.ApplicationCredentialId ?? credentials.ApplicationCredentialName) != null)
            throw new CredentialException($"an application credential is named in {from} but its secret is not (application_credential_secret)");
        if (credentials.ApplicationCredentialId is null && credentials.ApplicationCredentialName != null && (credentials.UserId ?? credentials.UserName) is null)
            throw new CredentialException($"application credential {credentials.ApplicationCredentialName} is named without its user (user_id or username) in {from}");
        if (!credentials.UsesApplicationCredential && credentials.Password is null && token is null)
            throw new CredentialException($"no OpenStack credentials in {from}: an application credential (id and secret), a user name and password, or a token");
        if (credentials.Password != null && (credentials.UserId ?? credentials.UserName) is null)
            throw new CredentialException($"a password without a user name (username or user_id) in {from}");
        return new KeystoneAuth(credentials);
    }

    /// <summary>Swift's v1 auth: named so, or an auth URL ending in /auth/v1.0 as tempauth's does.</summary>
    private static bool IsV1(Uri auth, string? version) =>
        version is "1" or "1.0" || auth.AbsolutePath.TrimEnd('/').EndsWith("/v1.0", StringComparison.Ordinal);

    /// <summary>public, internal, admin; the clients also accept publicURL, internalURL and adminURL.</summary>
    private static string Interface(string? text) => text?.ToLowerInvariant() switch
    {
        null => "public",
        "publicurl" => "public",
        "internalurl" => "internal",
        "adminurl" => "admin",
        var other => other,
    };

    private static Uri Url(string text, string name, string from) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CredentialException($"{name} '{text}' in {from} is not an http:// or https:// URL");
}
