using System.Net;
using System.Text;
using Bucketfs.ObjectStore.Calls;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>
/// The HTTP side of a Swift store: one connection pool, requests signed with the current token
/// (one retry with a new token when Swift answers 401), answers other than object data read into
/// memory under a size bound, and statuses turned into <see cref="StoreError"/>s.
/// </summary>
internal sealed class SwiftHttp : IDisposable
{
    /// <summary>Far above a listing page of 10,000 names of the longest allowed length.</summary>
    private const int MostBuffered = 32 << 20;

    private readonly HttpClient _http;

    public SwiftHttp(SwiftStoreOptions options)
    {
        var sockets = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.MaxConnections,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            // Swift keeps metadata values as UTF-8 bytes; the default would read them as Latin-1.
            RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
            ResponseHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        };
        options.ConfigureConnections(sockets);
        _http = new HttpClient(sockets)
        {
            // Every attempt is bounded by RetryingCalls.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Tokens = new SwiftTokens(options.Auth, _http, options.Time, options.RenewBefore, options.Log);
    }

    public SwiftTokens Tokens { get; }

    /// <summary>
    /// Sends the request <paramref name="build"/> makes for a session's storage URL and token.
    /// With <paramref name="stream"/> a successful answer's body is left to the caller to read;
    /// otherwise it is in memory when this returns.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Func<SwiftSession, HttpRequestMessage> build, Attempt attempt, bool stream = false)
    {
        var session = await Tokens.GetAsync(attempt.Token).ConfigureAwait(false);
        var request = build(session);
        var response = await SendOnceAsync(request, session, attempt.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized && Tokens.Refused(session))
        {
            response.Dispose();
            session = await Tokens.GetAsync(attempt.Token).ConfigureAwait(false);
            request = build(session);
            response = await SendOnceAsync(request, session, attempt.Token).ConfigureAwait(false);
        }
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            // Keystone can still issue a token for a credential Swift already refuses (in its last seconds before expiry).
            response.Dispose();
            throw new ObjectStoreException(StoreError.InvalidCredentials, $"Swift refused the token of {Tokens.Description} (HTTP 401)");
        }
        // A HEAD has no body, but its Content-Length (the object's) would count against the bound.
        if ((stream && response.IsSuccessStatusCode) || request.Method == HttpMethod.Head) return response;
        try
        {
            attempt.Progress();
            await response.Content.LoadIntoBufferAsync(MostBuffered, attempt.Token).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, SwiftSession session, CancellationToken cancellation)
    {
        request.Headers.TryAddWithoutValidation("X-Auth-Token", session.Token);
        try
        {
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            Attempt.Answered((int)response.StatusCode);
            return response;
        }
        catch (HttpRequestException e)
        {
            throw new ObjectStoreException(StoreError.Unavailable, $"cannot reach Swift at {session.StorageUrl.GetLeftPart(UriPartial.Authority)}: {AuthService.Innermost(e).Message}", e);
        }
    }

    /// <summary>A failure for an answer that is not a success; 404 means the object, or with <paramref name="container"/> the container.</summary>
    public static ObjectStoreException Failure(HttpResponseMessage response, bool container = false)
    {
        var kind = response.StatusCode switch
        {
            HttpStatusCode.NotFound => container ? StoreError.NoSuchBucket : StoreError.NotFound,
            HttpStatusCode.Unauthorized => StoreError.InvalidCredentials,
            HttpStatusCode.Forbidden => StoreError.AccessDenied,
            HttpStatusCode.PreconditionFailed => StoreError.PreconditionFailed,
            HttpStatusCode.RequestedRangeNotSatisfiable => StoreError.InvalidRange,
            HttpStatusCode.NotImplemented => StoreError.NotSupported,
            // 498 is Swift's ratelimit answer; 429 its newer one.
            HttpStatusCode.TooManyRequests or (HttpStatusCode)498 or HttpStatusCode.RequestTimeout => StoreError.Unavailable,
            >= HttpStatusCode.InternalServerError => StoreError.Unavailable,
            _ => StoreError.Rejected,
        };
        string detail = kind is StoreError.NoSuchBucket ? "the container does not exist" : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        return new ObjectStoreException(kind, detail);
    }

    /// <summary>What RetryingCalls makes of an exception no answer check raised: the network failed or the attempt ran out.</summary>
    public static ObjectStoreException Map(Exception e, string what) => e switch
    {
        ObjectStoreException mapped => mapped,
        OperationCanceledException => new ObjectStoreException(StoreError.Unavailable, $"{what}: timed out", e),
        _ => new ObjectStoreException(StoreError.Unavailable, $"{what}: {AuthService.Innermost(e).Message}", e),
    };

    public void Dispose() => _http.Dispose();
}
