using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.ObjectStore.Calls;

/// <summary>How long store calls may take and how often they are tried: the bounds every store implementation keeps (see <see cref="RetryingCalls"/>).</summary>
public abstract record StoreCallOptions
{
    /// <summary>Connections kept per store host; parallel reads need several.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Bound on one attempt until the store answers (the whole answer, for listings and other small ones).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A body being received that brings no bytes for this long is abandoned and asked for again
    /// on a new connection: a stalled connection must not hold a reader for a whole call timeout.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bound on a whole call, retries included (a caller's own deadline may be shorter).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Slowest upload rate still waited for: an attempt that sends a body gets its size at this rate
    /// on top of <see cref="AttemptTimeout"/>, so a large part is not cut off on a slow link.
    /// </summary>
    public long SlowestUploadBytesPerSecond { get; init; } = 1 << 20;

    /// <summary>Retries after the first attempt on 5xx, SlowDown, connection errors, timeouts and malformed bodies (never on other 4xx).</summary>
    public int MaxRetries { get; init; } = 5;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where requests are counted and timed (bucketfs.store.*); null: nowhere.</summary>
    public Meter? Meter { get; init; }

    /// <summary>Where the store logs: each request at debug level (method, key, range, status, bytes, time, attempt), and what else the store has to say.</summary>
    public ILogger Log { get; init; } = NullLogger.Instance;

    /// <summary>Which certificates of an https store are accepted.</summary>
    public TlsTrust Tls { get; init; } = new();

    /// <summary>Bound on opening a connection (s3fs's connect_timeout); null: only the attempt timeout bounds it.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>An HTTP proxy for every request (s3fs's -o proxy=); null: the environment's (https_proxy, ...).</summary>
    public Uri? Proxy { get; init; }

    /// <summary>Sets <see cref="Tls"/>, <see cref="ConnectTimeout"/> and <see cref="Proxy"/> on a store's connection handler.</summary>
    public void ConfigureConnections(SocketsHttpHandler sockets)
    {
        if (Tls.Validation() is { } validation) sockets.SslOptions.RemoteCertificateValidationCallback = validation;
        if (ConnectTimeout is { } connect) sockets.ConnectTimeout = connect;
        if (Proxy is { } own) sockets.Proxy = new WebProxy(own) { Credentials = ProxyCredentials(own) };
    }

    /// <summary>USER:PASSWORD in the proxy's URL, as curl takes them.</summary>
    private static NetworkCredential? ProxyCredentials(Uri proxy) =>
        proxy.UserInfo.Split(':', 2) is [var user, var password] && user.Length > 0
            ? new NetworkCredential(Uri.UnescapeDataString(user), Uri.UnescapeDataString(password))
            : null;
}
