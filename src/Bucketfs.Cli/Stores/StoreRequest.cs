using System.Diagnostics.Metrics;
using Bucketfs.Cli.Mount;

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

    public string? Variable(string name) => Environment.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;
}
