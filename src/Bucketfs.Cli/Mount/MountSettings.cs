using Bucketfs.Cli.Stores;

namespace Bucketfs.Cli.Mount;

/// <summary>Everything `bucketfs mount` was asked for, from options and s3fs-style -o lists.</summary>
internal sealed class MountSettings
{
    /// <summary>Where the store is and how to reach it (the options every store command shares; -o forms change it too).</summary>
    public required StoreRequest Store { get; set; }
    public BucketSource Source => Store.Source;
    public required string Mountpoint { get; init; }
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
    /// <summary>Where Prometheus scrapes the metrics (--metrics-addr HOST:PORT).</summary>
    public Operations.MetricsAddress? MetricsAddress { get; set; }
    /// <summary>An OTLP collector the metrics are pushed to.</summary>
    public Uri? OtlpEndpoint { get; set; }
    /// <summary>The command line after the source and mountpoint, as `bucketfs list` shows it.</summary>
    public string Options { get; set; } = "";
    public string? MimeTypesFile { get; set; }
    public int? ListPageSize { get; set; }
    public int? MetadataCacheCapacity { get; set; }
    public bool DeleteCache { get; set; }
    public bool CheckCacheDirectoryExists { get; set; }
    /// <summary>-o uid=, gid=: shown as the owner of everything, as s3fs does (unlike --uid, --gid, for objects without metadata only).</summary>
    public uint? ForcedUid { get; set; }
    public uint? ForcedGid { get; set; }
    public uint? MountpointUmask { get; set; }

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
