using System.Net;
using Amazon.Runtime;
using Bucketfs.ObjectStore.Calls;

namespace Bucketfs.ObjectStore.S3;

/// <summary>
/// The HTTP clients under the SDK: what its own default sets up (connection limit, redirects as
/// configured, no decompression, the configured proxy, the attempt timeout), with every answer
/// but an object's data read into memory before the SDK sees it (<see cref="BufferedAnswers"/>).
/// </summary>
internal sealed class S3HttpClients(S3StoreOptions options) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var sockets = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clientConfig.MaxConnectionsPerServer ?? int.MaxValue,
            AllowAutoRedirect = clientConfig.AllowAutoRedirect,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };
        options.ConfigureConnections(sockets);
        if (clientConfig.GetWebProxy() is { } proxy)
        {
            if (clientConfig.ProxyCredentials != null) proxy.Credentials = clientConfig.ProxyCredentials;
            sockets.Proxy = proxy;
        }
        var client = new HttpClient(new BufferedAnswers(sockets, options.ExpectContinue));
        if (clientConfig.Timeout is { } timeout) client.Timeout = timeout;
        return client;
    }
}

/// <summary>
/// The SDK parses XML answers (listings, errors, upload results) with a synchronous reader on the
/// response stream: while a listing page arrives, a pool thread sits blocked in a socket read, and
/// with inline socket completions the socket event loop itself blocks on its own socket (measured:
/// the first listing hung). Those answers are read asynchronously into memory first; only the body
/// of an object (a successful GET of a key, which the store reads asynchronously) stays a stream.
/// </summary>
internal sealed class BufferedAnswers(HttpMessageHandler inner, bool expectContinue = true) : DelegatingHandler(inner)
{
    /// <summary>Far above a listing page of 1,000 keys of the longest allowed length.</summary>
    internal const long MostBuffered = 16 << 20;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // The SDK asks for "100 Continue" before every body it sends (see S3StoreOptions.ExpectContinue).
        if (!expectContinue) request.Headers.ExpectContinue = false;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        Attempt.Answered((int)response.StatusCode);
        if (IsObjectData(request, response) || request.Method == HttpMethod.Head || response.Content.Headers.ContentLength == 0) return response;
        try
        {
            await response.Content.LoadIntoBufferAsync(MostBuffered, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Every S3 call with an XML answer names its operation in the query (?list-type=2, ?uploads, ?delete, ...), or is not a GET.</summary>
    private static bool IsObjectData(HttpRequestMessage request, HttpResponseMessage response) =>
        request.Method == HttpMethod.Get && response.IsSuccessStatusCode && string.IsNullOrEmpty(request.RequestUri?.Query);
}
