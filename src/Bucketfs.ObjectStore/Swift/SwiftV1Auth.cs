using System.Net;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>
/// Swift's v1 auth (tempauth, swauth and most simple deployments): GET the auth URL with
/// X-Auth-User and X-Auth-Key, answered with X-Storage-Url and X-Auth-Token.
/// </summary>
public sealed class SwiftV1Auth(Uri authUrl, string user, string key) : ISwiftAuthMethod
{
    public string Description => $"user {user} at {authUrl}";

    public bool CanRenew => true;

    public async Task<SwiftSession> SignInAsync(HttpClient http, TimeProvider time, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, authUrl);
        request.Headers.Add("X-Auth-User", user);
        request.Headers.Add("X-Auth-Key", key);
        using var response = await AuthService.SendAsync(http, request, $"auth at {authUrl}", cancellation).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new ObjectStoreException(StoreError.InvalidCredentials, $"{authUrl} refused user {user} (HTTP {(int)response.StatusCode})");
        AuthService.EnsureSuccess(response, $"auth at {authUrl}");
        string? token = Header(response, "X-Auth-Token");
        string? url = Header(response, "X-Storage-Url");
        if (token is null || !Uri.TryCreate(url, UriKind.Absolute, out var storage))
            throw new ObjectStoreException(StoreError.Rejected, $"{authUrl} answered without X-Auth-Token and X-Storage-Url");
        var now = time.GetUtcNow();
        DateTimeOffset? expires = long.TryParse(Header(response, "X-Auth-Token-Expires"), out long seconds) ? now.AddSeconds(seconds) : null;
        return new SwiftSession(token, storage, now, expires);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
