using System.Net;
using System.Text;
using System.Text.Json;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>
/// Keystone v3 sign-in (POST /v3/auth/tokens): the token comes in X-Subject-Token, its expiry and
/// the service catalog in the body, and the storage URL is the catalog's object-store endpoint
/// for the region and interface asked for.
/// </summary>
public sealed class KeystoneAuth(KeystoneCredentials credentials) : ISwiftAuthMethod
{
    private readonly Uri _tokens = new(V3(credentials.AuthUrl) + "/auth/tokens");

    public string Description => $"{credentials.Describe()} at {V3(credentials.AuthUrl)}";

    /// <summary>A given token cannot be renewed once it expires; the other methods sign in again.</summary>
    public bool CanRenew => credentials.UsesApplicationCredential || credentials.Password != null;

    /// <summary>The v3 API root, whether OS_AUTH_URL names it or the service's root.</summary>
    private static string V3(Uri authUrl)
    {
        string url = authUrl.ToString().TrimEnd('/');
        return url.EndsWith("/v3", StringComparison.Ordinal) ? url : url + "/v3";
    }

    public async Task<SwiftSession> SignInAsync(HttpClient http, TimeProvider time, CancellationToken cancellation)
    {
        string keystone = $"Keystone at {V3(credentials.AuthUrl)}";
        using var request = new HttpRequestMessage(HttpMethod.Post, _tokens) { Content = new ByteArrayContent(RequestBody()) };
        request.Content.Headers.ContentType = new("application/json");
        using var response = await AuthService.SendAsync(http, request, keystone, cancellation).ConfigureAwait(false);
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellation).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new ObjectStoreException(StoreError.InvalidCredentials, $"{keystone} refused the {credentials.Describe()} ({ErrorMessage(body) ?? $"HTTP {(int)response.StatusCode}"})");
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new ObjectStoreException(StoreError.Rejected, $"{keystone}: no Keystone v3 API there (HTTP 404); check the auth URL");
        AuthService.EnsureSuccess(response, keystone);
        string token = response.Headers.TryGetValues("X-Subject-Token", out var values) ? values.First() : throw new ObjectStoreException(StoreError.Rejected, $"{keystone} answered without X-Subject-Token");
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement.GetProperty("token");
            var issued = root.TryGetProperty("issued_at", out var i) ? i.GetDateTimeOffset() : time.GetUtcNow();
            var expires = root.GetProperty("expires_at").GetDateTimeOffset();
            var storage = credentials.StorageUrl ?? KeystoneCatalog.ObjectStore(root, credentials.Region, credentials.Interface, keystone);
            return new SwiftSession(token, storage, issued, expires);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ObjectStoreException(StoreError.Rejected, $"{keystone} answered with a token body bucketfs cannot read ({e.Message})", e);
        }
    }

    private static string? ErrorMessage(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.GetProperty("error").GetProperty("message").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    private byte[] RequestBody()
    {
        var c = credentials;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("auth");
            json.WriteStartObject("identity");
            json.WriteStartArray("methods");
            string method = c.UsesApplicationCredential ? "application_credential" : c.Password != null ? "password" : "token";
            json.WriteStringValue(method);
            json.WriteEndArray();
            json.WriteStartObject(method);
            switch (method)
            {
                case "application_credential":
                    if (c.ApplicationCredentialId != null) json.WriteString("id", c.ApplicationCredentialId);
                    else
                    {
                        json.WriteString("name", c.ApplicationCredentialName);
                        WriteUser(json);
                    }
                    json.WriteString("secret", c.ApplicationCredentialSecret);
                    break;
                case "password":
                    WriteUser(json, c.Password);
                    break;
                default:
                    json.WriteString("id", c.Token);
                    break;
            }
            json.WriteEndObject();
            json.WriteEndObject();
            // An application credential carries its own project; a scope beside it is refused.
            if (!c.UsesApplicationCredential && (c.ProjectId ?? c.ProjectName) != null)
            {
                json.WriteStartObject("scope");
                json.WriteStartObject("project");
                if (c.ProjectId != null) json.WriteString("id", c.ProjectId);
                else
                {
                    json.WriteString("name", c.ProjectName);
                    WriteDomain(json, c.ProjectDomainId, c.ProjectDomainName);
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private void WriteUser(Utf8JsonWriter json, string? password = null)
    {
        var c = credentials;
        json.WriteStartObject("user");
        if (c.UserId != null) json.WriteString("id", c.UserId);
        else
        {
            json.WriteString("name", c.UserName);
            WriteDomain(json, c.UserDomainId, c.UserDomainName);
        }
        if (password != null) json.WriteString("password", password);
        json.WriteEndObject();
    }

    /// <summary>A name is looked up in a domain; without one given, Keystone's default domain (as the OpenStack clients assume).</summary>
    private static void WriteDomain(Utf8JsonWriter json, string? id, string? name)
    {
        json.WriteStartObject("domain");
        if (name != null && id == null) json.WriteString("name", name);
        else json.WriteString("id", id ?? "default");
        json.WriteEndObject();
    }
}
