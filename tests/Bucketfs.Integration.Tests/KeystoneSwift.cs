using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// The Keystone and Keystone-authenticated Swift that scripts/stores/keystone.sh starts, reached
/// directly through their APIs to seed containers and check results, never through the mount.
/// </summary>
public sealed class KeystoneSwift
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static KeystoneSwift Instance { get; } = new();

    private KeystoneSwift() { }

    public string AuthUrl => Variable("AUTH_URL");
    public string Region => Variable("REGION");
    public string OtherRegion => Variable("OTHER_REGION");
    public string StorageUrl => Variable("STORAGE_URL");
    public string User => Variable("USER");
    public string UserId => Variable("USER_ID");
    public string Password => Variable("PASSWORD");
    public string Project => Variable("PROJECT");
    public string Domain => Variable("DOMAIN");
    public string AppCredentialId => Variable("APP_CRED_ID");
    public string AppCredentialSecret => Variable("APP_CRED_SECRET");
    public TimeSpan TokenLifetime => TimeSpan.FromSeconds(int.Parse(Variable("TOKEN_LIFETIME")));

    private static string Variable(string name) => Environment.GetEnvironmentVariable("BUCKETFS_KEYSTONE_" + name)
        ?? throw new InvalidOperationException($"BUCKETFS_KEYSTONE_{name} is not set: run the tests with scripts/test.sh, which starts Keystone");

    /// <summary>What an openrc file of the application credential sets.</summary>
    public Dictionary<string, string> Openrc() => new()
    {
        ["OS_AUTH_TYPE"] = "v3applicationcredential",
        ["OS_AUTH_URL"] = AuthUrl,
        ["OS_IDENTITY_API_VERSION"] = "3",
        ["OS_REGION_NAME"] = Region,
        ["OS_INTERFACE"] = "public",
        ["OS_APPLICATION_CREDENTIAL_ID"] = AppCredentialId,
        ["OS_APPLICATION_CREDENTIAL_SECRET"] = AppCredentialSecret,
    };

    /// <summary>A token of the project's member user (password sign-in).</summary>
    public async Task<string> UserTokenAsync()
    {
        var body = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject { ["user"] = new JsonObject { ["id"] = UserId, ["password"] = Password } },
                },
                ["scope"] = new JsonObject { ["project"] = new JsonObject { ["name"] = Project, ["domain"] = new JsonObject { ["id"] = "default" } } },
            },
        };
        using var response = await Http.PostAsync(AuthUrl + "/auth/tokens", Json(body));
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("X-Subject-Token").First();
    }

    /// <summary>With a Content-Length: Keystone's uwsgi refuses chunked bodies (HTTP 400).</summary>
    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    /// <summary>
    /// A new application credential of the member user that expires at <paramref name="expires"/>,
    /// and its secret. (Keystone on sqlite fails deleting one, "database is locked", so tests of a
    /// credential that no longer works let it expire instead.)
    /// </summary>
    public async Task<(string Id, string Secret)> NewApplicationCredentialAsync(DateTimeOffset expires)
    {
        string secret = Guid.NewGuid().ToString("N");
        var request = new HttpRequestMessage(HttpMethod.Post, $"{AuthUrl}/users/{UserId}/application_credentials")
        {
            Content = Json(new JsonObject
            {
                ["application_credential"] = new JsonObject
                {
                    ["name"] = "t-" + Guid.NewGuid().ToString("N")[..12],
                    ["secret"] = secret,
                    ["expires_at"] = expires.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture),
                },
            }),
        };
        request.Headers.Add("X-Auth-Token", await UserTokenAsync());
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>();
        return (answer!["application_credential"]!["id"]!.GetValue<string>(), secret);
    }

    /// <summary>Deletes an application credential, as a user revoking it does: Keystone revokes the tokens it issued too.</summary>
    public async Task RevokeApplicationCredentialAsync(string id)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, $"{AuthUrl}/users/{UserId}/application_credentials/{id}");
        request.Headers.Add("X-Auth-Token", await UserTokenAsync());
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    public async Task<string> NewContainerAsync()
    {
        string container = "t-" + Guid.NewGuid().ToString("N")[..16];
        using var response = await SendAsync(HttpMethod.Put, container, null);
        response.EnsureSuccessStatusCode();
        return container;
    }

    public async Task PutAsync(string container, string name, byte[] content)
    {
        using var response = await SendAsync(HttpMethod.Put, $"{container}/{name}", content);
        response.EnsureSuccessStatusCode();
    }

    public async Task<byte[]?> GetAsync(string container, string name)
    {
        using var response = await SendAsync(HttpMethod.Get, $"{container}/{name}", null);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }

    public async Task<List<string>> NamesAsync(string container)
    {
        using var response = await SendAsync(HttpMethod.Get, container + "?format=json", null);
        response.EnsureSuccessStatusCode();
        var entries = await response.Content.ReadFromJsonAsync<JsonArray>();
        return entries!.Select(e => e!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? content)
    {
        var request = new HttpRequestMessage(method, $"{StorageUrl}/{path}") { Content = new ByteArrayContent(content ?? []) };
        request.Headers.Add("X-Auth-Token", await UserTokenAsync());
        return await Http.SendAsync(request);
    }
}
