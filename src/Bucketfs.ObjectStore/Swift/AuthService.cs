using System.Net;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>Requests to an auth service (Keystone, v1 auth), with failures worded for the user: which service, and why.</summary>
internal static class AuthService
{
    /// <summary>Largest auth answer read: a Keystone token with a large catalog is tens of kilobytes.</summary>
    public const int MostAnswerBytes = 4 << 20;

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, string what, CancellationToken cancellation)
    {
        try
        {
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            await response.Content.LoadIntoBufferAsync(MostAnswerBytes, cancellation).ConfigureAwait(false);
            return response;
        }
        catch (HttpRequestException e)
        {
            throw new ObjectStoreException(StoreError.Unavailable, $"cannot reach {what}: {Innermost(e).Message}", e);
        }
    }

    public static void EnsureSuccess(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode) return;
        var kind = (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests ? StoreError.Unavailable : StoreError.Rejected;
        throw new ObjectStoreException(kind, $"{what} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    public static Exception Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e;
    }
}
