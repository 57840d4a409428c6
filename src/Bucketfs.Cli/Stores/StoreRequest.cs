using System.Diagnostics.Metrics;
using Bucketfs.Cli.Credentials;
using Bucketfs.Cli.Mount;
using Bucketfs.ObjectStore.Calls;
using Bucketfs.ObjectStore.S3;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli.Stores;

/// <summary>
/// Where a command's store is and how to sign in, as the command line and the environment say:
/// what <see cref="StoreFactory"/> needs to make an <see cref="Bucketfs.ObjectStore.IObjectStore"/>
/// for mount, copy or sync alike. The environment and home directory are passed in so tests can
/// use their own.
/// </summary>
internal sealed record StoreRequest(BucketSource Source, IReadOnlyDictionary<string, string?> Environment, string HomeDirectory)
{
    public Uri? Endpoint { get; init; }
    public string? Region { get; init; }
    public bool PathStyle { get; init; }
    public string? Profile { get; init; }
    public string? PasswdFile { get; init; }
    public bool NoSignRequest { get; init; }

    /// <summary>--os-* options given, by their clouds.yaml names (auth_url, ...).</summary>
    public IReadOnlyDictionary<string, string> OpenStack { get; init; } = new Dictionary<string, string>();

    /// <summary>--os-cloud: a cloud of clouds.yaml.</summary>
    public string? Cloud { get; init; }

    /// <summary>--rclone-config: the rclone config file of REMOTE: sources, when not the default one.</summary>
    public string? RcloneConfig { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where the store counts and times its requests (a mount's meter); null: nowhere.</summary>
    public Meter? Meter { get; init; }

    /// <summary>--ca-bundle (or AWS_CA_BUNDLE, a profile's ca_bundle): PEM CAs trusted instead of the machine's.</summary>
    public string? CaBundle { get; init; }
    public bool CheckCertificate { get; init; } = true;
    public bool CheckHostname { get; init; } = true;
    public TimeSpan? ConnectTimeout { get; init; }
    /// <summary>Retries after the first attempt; null: the store's default.</summary>
    public int? Retries { get; init; }
    public Uri? Proxy { get; init; }

    /// <summary>Connections kept per store host; null: the store's default.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>S3 only: whether uploads wait for "100 Continue" (see <see cref="S3StoreOptions.ExpectContinue"/>).</summary>
    public bool ExpectContinue { get; init; } = true;

    /// <summary>S3 only: encryption, storage class, ACL and requester-pays of what is written.</summary>
    public S3WritePolicy Writes { get; init; } = new();

    /// <summary>S3 only: -o iam_role[=NAME|auto] or -o ecs, credentials from the machine.</summary>
    public string? IamRole { get; init; }

    /// <summary>What <see cref="CredentialResolver"/> is asked for an S3 store.</summary>
    public CredentialRequest Credentials() =>
        new(Source.Bucket, PasswdFile, Profile, NoSignRequest, HomeDirectory, Environment) { IamRole = IamRole };

    /// <summary>The timeouts, retries, proxy, TLS trust, meter and log every store kind takes, set on its options.</summary>
    public T Calls<T>(T options, ILogger log) where T : StoreCallOptions => (T)((StoreCallOptions)options with
    {
        // One attempt can never take the whole bound, so a retry always fits in it.
        AttemptTimeout = RequestTimeout / 3,
        StallTimeout = StallTimeout,
        CallTimeout = RequestTimeout,
        MaxRetries = Retries ?? options.MaxRetries,
        MaxConnections = MaxConnections ?? options.MaxConnections,
        ConnectTimeout = ConnectTimeout,
        Proxy = Proxy,
        Tls = Tls(),
        Meter = Meter,
        Log = log,
    });

    /// <summary>The TLS trust asked for; a CA bundle that cannot be used is refused here, before any call.</summary>
    private TlsTrust Tls()
    {
        var trust = new TlsTrust { CaBundle = CaBundle, CheckCertificate = CheckCertificate, CheckHostname = CheckHostname };
        if (trust.CaBundle is null) return trust;
        try
        {
            trust.LoadBundle();
            return trust;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or InvalidDataException)
        {
            throw new CredentialException($"CA bundle {CaBundle} cannot be used: {e.Message.Split('\n')[0].Trim()}");
        }
    }

    public string? Variable(string name) => Environment.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;
}
