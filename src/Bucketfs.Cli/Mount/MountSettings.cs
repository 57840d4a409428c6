using Bucketfs.Cli.Stores;

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
    public IReadOnlyList<string> IgnoredOptions { get; set; } = [];
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
    };

    /// <summary>s3fs options accepted for compatibility that change nothing here, and mount(8)'s generic ones.</summary>
    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
    {
        "rw", "defaults", "auto", "noauto", "user", "users", "nouser", "_netdev", "nofail", "dev", "nodev", "suid", "nosuid",
        "exec", "noexec", "atime", "noatime", "relatime", "norelatime", "strictatime", "async", "sync", "dirsync",
        "sigv2", "sigv4", "sigv4only", "enable_content_md5", "enable_noobj_cache", "nocopyapi", "norenameapi",
        "notsup_compat_dir", "compat_dir", "complement_stat", "mp_umask", "ssl_verify_hostname", "curldbg",
        "nomultipart", "noxmlns", "listobjectsv2", "parallel_count", "multipart_size", "multireq_max", "max_stat_cache_size",
        "stat_cache_interval_expire", "retries", "connect_timeout", "max_dirty_data",
        "multipart_copy_size", "singlepart_copy_limit", "instance_name", "use_sse", "storage_class", "default_acl", "big_writes", "kernel_cache",
    };

    /// <summary>Applies one -o list ("opt,opt=value,..."); unknown options are an error, not a silent no-op.</summary>
    public void ApplyOptionList(string list, List<string> ignored)
    {
        foreach (string item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = item.IndexOf('=');
            string name = eq < 0 ? item : item[..eq];
            string? value = eq < 0 ? null : item[(eq + 1)..];
            string option = $"-o {name}";
            if (name.StartsWith("x-", StringComparison.Ordinal) || name.StartsWith("comment=", StringComparison.Ordinal)) continue;
            switch (name)
            {
                case "url": Endpoint = OptionValues.Url(option, Require(name, value)); break;
                case "endpoint": Region = OptionValues.Region(option, Require(name, value)); break;
                case "use_path_request_style": PathStyle = true; break;
                case "passwd_file": PasswdFile = Require(name, value); break;
                case "profile": Profile = Require(name, value); break;
                case "public_bucket": NoSignRequest = Require(name, value) == "1"; break;
                case "uid": Uid = OptionValues.User(option, Require(name, value)); break;
                case "gid": Gid = OptionValues.Group(option, Require(name, value)); break;
                case "umask": Umask = OptionValues.Mode(option, Require(name, value)); break;
                case "ro": ReadOnly = true; break;
                case "allow_other": AllowOther = true; break;
                case "allow_root": AllowRoot = true; break;
                case "nonempty": NonEmpty = true; break;
                case "stat_cache_expire": MetadataTtl = OptionValues.Ttl(option, Require(name, value)); break;
                case "logfile": LogFile = Require(name, value); break;
                case "cache_dir": CacheDirectory = Require(name, value); break;
                case "use_cache": DataCache = Require(name, value); break;
                case "ensure_diskfree": CacheMinFree = OptionValues.Mebibytes(option, Require(name, value), least: 0); break;
                case "cache_size": CacheSize = OptionValues.Size(option, Require(name, value)); break;
                case "passthrough": Passthrough = Require(name, value) != "0"; break;
                case "use_xattr": Xattrs = value is null or "1"; break;
                case "dbglevel": Debug = value is "debug" or "dbg" or "info"; break;
                case "f" or "foreground": Foreground = true; break;
                case "d" or "debug": Debug = true; break;
                // s3fs's wait "between read/write activity" is what the stall timeout bounds here.
                case "readwrite_timeout": StallTimeout = OptionValues.Seconds(option, Require(name, value)); break;
                default:
                    if (!Ignored.Contains(name)) throw new UsageException($"-o: unknown mount option '{item}'");
                    ignored.Add(item);
                    break;
            }
        }
    }

    private static string Require(string name, string? value) =>
        string.IsNullOrEmpty(value) ? throw new UsageException($"-o {name}: expected a value ({name}=...)") : value;
}
