using Bucketfs.Cli.Stores;
using Bucketfs.ObjectStore.S3;

namespace Bucketfs.Cli.Mount;

/// <summary>Everything `bucketfs mount` was asked for, from options and s3fs-style -o lists.</summary>
internal sealed class MountSettings
{
    public required BucketSource Source { get; init; }
    public required string Mountpoint { get; init; }
    public Uri? Endpoint { get; set; }
    public string? Region { get; set; }
    public bool PathStyle { get; set; }
    public string? Profile { get; set; }
    public string? PasswdFile { get; set; }
    public bool NoSignRequest { get; set; }
    /// <summary>--os-* options given, by their clouds.yaml names.</summary>
    public IReadOnlyDictionary<string, string> OpenStack { get; init; } = new Dictionary<string, string>();
    public string? Cloud { get; init; }
    public string? RcloneConfig { get; init; }
    public uint? Uid { get; set; }
    public uint? Gid { get; set; }
    public uint? FileMode { get; set; }
    public uint? DirectoryMode { get; set; }
    /// <summary>-o umask=: every entry shows 0777 less these bits, as in s3fs.</summary>
    public uint? Umask { get; set; }
    /// <summary>Null is 'indefinite'; when not given: 1 s, or 60 s with a data cache (as Mountpoint-S3 does).</summary>
    public TimeSpan? MetadataTtl
    {
        get => _metadataTtlGiven ? _metadataTtl : DataCache is null ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60);
        set
        {
            _metadataTtl = value;
            _metadataTtlGiven = true;
        }
    }

    private TimeSpan? _metadataTtl;
    private bool _metadataTtlGiven;
    public long? MemoryLimit { get; set; }
    public bool ReadOnly { get; set; }
    public bool AllowOther { get; set; }
    public bool AllowRoot { get; set; }
    public bool NonEmpty { get; set; }
    public bool Foreground { get; set; }
    public string? LogFile { get; set; }
    public bool Debug { get; set; }
    public string? CacheDirectory { get; set; }
    public string? DataCache { get; set; }
    public long? CacheSize { get; set; }
    public long? CacheMinFree { get; set; }
    public bool Passthrough { get; set; } = true;
    public bool Xattrs { get; set; }
    public int? RenameDirectoryLimit { get; set; }
    /// <summary>-o options accepted because bucketfs already does what they ask, each with why.</summary>
    public IReadOnlyList<string> AcceptedOptions { get; set; } = [];
    /// <summary>Longest a program waits for an answer that needs the store (EIO then).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Longest a body being received may bring no bytes before it is asked for again.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Where Prometheus scrapes the metrics (--metrics-addr HOST:PORT).</summary>
    public Operations.MetricsAddress? MetricsAddress { get; set; }
    /// <summary>An OTLP collector the metrics are pushed to.</summary>
    public Uri? OtlpEndpoint { get; set; }
    /// <summary>The command line after the source and mountpoint, as `bucketfs list` shows it.</summary>
    public string Options { get; set; } = "";

    /// <summary>Encryption, storage class, ACL and requester-pays of what is written (s3fs's use_sse, storage_class, default_acl, requester_pays).</summary>
    public S3WritePolicy Writes { get; set; } = new();
    /// <summary>--ca-bundle: PEM CAs trusted instead of the machine's.</summary>
    public string? CaBundle { get; set; }
    public bool CheckCertificate { get; set; } = true;
    public bool CheckHostname { get; set; } = true;
    public TimeSpan? ConnectTimeout { get; set; }
    public int? Retries { get; set; }
    public Uri? Proxy { get; set; }
    /// <summary>-o iam_role[=NAME|auto] or -o ecs: credentials from the machine, asked for by name.</summary>
    public string? IamRole { get; set; }
    public string? MimeTypesFile { get; set; }
    public int? ListPageSize { get; set; }
    public int? MetadataCacheCapacity { get; set; }
    public bool DeleteCache { get; set; }
    public bool CheckCacheDirectoryExists { get; set; }
    /// <summary>-o uid=, gid=: shown as the owner of everything, as s3fs does (unlike --uid, --gid, for objects without metadata only).</summary>
    public uint? ForcedUid { get; set; }
    public uint? ForcedGid { get; set; }
    public uint? MountpointUmask { get; set; }

    /// <summary>Where the store is and how to sign in, for <see cref="StoreFactory"/>.</summary>
    public StoreRequest StoreRequest(IReadOnlyDictionary<string, string?> environment, string home) => new(Source, environment, home)
    {
        Endpoint = Endpoint,
        Region = Region,
        PathStyle = PathStyle,
        Profile = Profile,
        PasswdFile = PasswdFile,
        NoSignRequest = NoSignRequest,
        OpenStack = OpenStack,
        Cloud = Cloud,
        RcloneConfig = RcloneConfig,
        RequestTimeout = RequestTimeout,
        StallTimeout = StallTimeout,
        CaBundle = CaBundle,
        CheckCertificate = CheckCertificate,
        CheckHostname = CheckHostname,
        ConnectTimeout = ConnectTimeout,
        Retries = Retries,
        Proxy = Proxy,
        Writes = Writes,
        IamRole = IamRole,
    };

    /// <summary>Applies one -o list ("opt,opt=value,..."): each option as <see cref="S3fsOptionTable"/> decides it; unknown and refused ones are errors.</summary>
    public void ApplyOptionList(string list, List<string> accepted)
    {
        foreach (string item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = item.IndexOf('=');
            string name = eq < 0 ? item : item[..eq];
            string? value = eq < 0 ? null : item[(eq + 1)..];
            if (name.StartsWith("x-", StringComparison.Ordinal) || name == "comment") continue;
            var option = S3fsOptionTable.Find(name) ?? throw new UsageException($"-o: unknown mount option '{item}'");
            switch (option.Support)
            {
                case S3fsSupport.Refused: throw new UsageException($"-o {name}: not supported by bucketfs; {option.Note}");
                case S3fsSupport.Better: accepted.Add($"{item} ({option.Note})"); break;
                case S3fsSupport.Generic: break;
                default: option.Apply!(this, $"-o {name}", value); break;
            }
        }
    }
}
