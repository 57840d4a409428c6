namespace Bucketfs.Cli.Mount;

/// <summary>What bucketfs does with an option of s3fs's manual (and the FUSE and mount(8) options fstab lines carry).</summary>
internal enum S3fsSupport
{
    /// <summary>Does what s3fs does with it.</summary>
    Implemented,
    /// <summary>Accepted and changes nothing, because bucketfs already does what it asks for, or better.</summary>
    Better,
    /// <summary>A generic mount(8) or FUSE option with nothing for bucketfs to do.</summary>
    Generic,
    /// <summary>Refused (exit 2) with a line naming what to use instead.</summary>
    Refused,
}

/// <summary>One -o option: its status, why (or what to use instead), and how it changes the settings.</summary>
internal sealed record S3fsOption(string Name, S3fsSupport Support, string Note, Action<MountSettings, string, string?>? Apply = null);

/// <summary>
/// Every option of s3fs's manual with its decision, in one table that the parser, `--help` and
/// the README's table come from. Options that change how data is stored (use_sse,
/// storage_class, default_acl) are implemented, never accepted without effect.
/// </summary>
internal static class S3fsOptionTable
{
    private static S3fsOption Yes(string name, string note, Action<MountSettings, string, string?> apply) => new(name, S3fsSupport.Implemented, note, apply);
    private static S3fsOption Better(string name, string why) => new(name, S3fsSupport.Better, why);
    private static S3fsOption No(string name, string instead) => new(name, S3fsSupport.Refused, instead);
    private static S3fsOption Generic(string name) => new(name, S3fsSupport.Generic, "mount(8)/FUSE option with nothing to do in bucketfs");

    private static string Value(string option, string? value) =>
        string.IsNullOrEmpty(value) ? throw new UsageException($"{option}: expected a value ({option[3..]}=...)") : value;

    private static bool Flag(string option, string? value) => value switch
    {
        null or "" or "1" or "true" or "yes" => true,
        "0" or "false" or "no" => false,
        _ => throw new UsageException($"{option} '{value}': expected no value, 1 or 0"),
    };

    public static readonly IReadOnlyList<S3fsOption> All =
    [
        // Where the bucket is and how it is addressed.
        No("bucket", "give the bucket as the source, BUCKET[:/PREFIX] (the first field of an fstab line)"),
        Yes("url", "the store's URL, as --endpoint-url", (s, o, v) => s.Store = s.Store with { Endpoint = OptionValues.Url(o, Value(o, v)) }),
        Yes("host", "the store's URL, as url=", (s, o, v) => s.Store = s.Store with { Endpoint = OptionValues.Url(o, Value(o, v)) }),
        No("servicepath", "put the path in url= (url=https://host/path)"),
        Yes("endpoint", "the signing region, as --region", (s, o, v) => s.Store = s.Store with { Region = OptionValues.Region(o, Value(o, v)) }),
        Yes("use_path_request_style", "path-style addressing, as --force-path-style", (s, _, _) => s.Store = s.Store with { PathStyle = true }),
        Yes("sigv4", "requests are signed with SigV4, always", (_, _, _) => { }),
        Yes("sigv4only", "requests are signed with SigV4, always", (_, _, _) => { }),
        No("sigv2", "bucketfs signs with SigV4 only, which every current store accepts; drop sigv2"),
        Yes("requester_pays", "sends x-amz-request-payer: requester on every request", (s, o, v) => s.Store = s.Store with { Writes = s.Store.Writes with { RequesterPays = Flag(o, v) } }),
        Yes("proxy", "sends requests through this HTTP proxy", (s, o, v) => s.Store = s.Store with { Proxy = OptionValues.Proxy(o, Value(o, v)) }),
        No("proxy_cred_file", "put the proxy's credentials in its URL: proxy=http://USER:PASSWORD@HOST:PORT"),
        No("ipresolve", "not supported; name the address you want in url="),
        Better("listobjectsv2", "bucketfs always lists with ListObjectsV2"),
        Better("noxmlns", "answers are parsed by the AWS SDK whatever their namespace"),
        No("noua", "not supported: the User-Agent names the AWS SDK for .NET"),
        // TLS.
        Yes("no_check_certificate", "accepts any store certificate", (s, o, v) => s.Store = s.Store with { CheckCertificate = !Flag(o, v) }),
        Yes("ssl_verify_hostname", "0 accepts a certificate issued for another host name", (s, o, v) => s.Store = s.Store with { CheckHostname = Value(o, v) != "0" }),
        No("cipher_suites", "TLS ciphers follow the system's OpenSSL policy (/etc/ssl/openssl.cnf)"),
        Better("nosscache", "bucketfs keeps no TLS session cache of its own"),
        Better("nodnscache", "bucketfs keeps no DNS cache of its own: each new connection resolves the name"),
        // Credentials.
        Yes("passwd_file", "an s3fs passwd file, as --passwd-file", (s, o, v) => s.Store = s.Store with { PasswdFile = Value(o, v) }),
        Yes("profile", "a profile of ~/.aws, as --profile", (s, o, v) => s.Store = s.Store with { Profile = Value(o, v) }),
        Yes("public_bucket", "1 sends unsigned requests, as --no-sign-request", (s, o, v) => s.Store = s.Store with { NoSignRequest = Value(o, v) == "1" }),
        Yes("iam_role", "credentials of the instance's IAM role (auto, or the role's name) from instance metadata", (s, _, v) => s.Store = s.Store with { IamRole = string.IsNullOrEmpty(v) ? "auto" : v }),
        Yes("ecs", "credentials from the container credential endpoint (AWS_CONTAINER_CREDENTIALS_*)", (s, _, _) => s.Store = s.Store with { IamRole = "ecs" }),
        Better("imdsv1only", "instance metadata is asked with IMDSv2 first, then v1"),
        Better("use_session_token", "AWS_SESSION_TOKEN (s3fs's AWSSESSIONTOKEN) is used whenever it is set"),
        No("ibm_iam_auth", "use the bucket's HMAC keys (ACCESS:SECRET) in a passwd file or profile"),
        No("ibm_iam_endpoint", "use the bucket's HMAC keys (ACCESS:SECRET) in a passwd file or profile"),
        No("credlib", "use credential_process in a ~/.aws/config profile (--profile)"),
        No("credlib_opts", "use credential_process in a ~/.aws/config profile (--profile)"),
        // How objects are stored.
        Yes("use_sse", "server-side encryption: SSE-S3 (use_sse or use_sse=1), SSE-KMS (kmsid[:ID], k[:ID]), SSE-C (custom[:KEYFILE], c[:KEYFILE], or KEYFILE) on every write, copy and read", (s, o, v) => s.Store = s.Store with { Writes = SseOption.Apply(s.Store.Writes, o, v) }),
        No("load_sse_c", "objects under other SSE-C keys cannot be read; mount with use_sse=custom:KEYFILE of their key"),
        Yes("storage_class", "the storage class of every object written or copied", (s, o, v) => s.Store = s.Store with { Writes = s.Store.Writes with { StorageClass = OptionValues.StorageClass(o, Value(o, v)) } }),
        Yes("use_rrs", "storage class REDUCED_REDUNDANCY", (s, o, v) => s.Store = s.Store with { Writes = s.Store.Writes with { StorageClass = Flag(o, v) ? "REDUCED_REDUNDANCY" : null } }),
        Yes("default_acl", "the canned ACL of every object written or copied", (s, o, v) => s.Store = s.Store with { Writes = s.Store.Writes with { CannedAcl = OptionValues.CannedAcl(o, Value(o, v)) } }),
        Yes("mime", "the mime.types file new objects take their Content-Type from", (s, o, v) => s.MimeTypesFile = Value(o, v)),
        No("ahbe_conf", "headers per extension are not supported; Content-Type comes from mime.types (mime=)"),
        Yes("enable_unsigned_payload", "uploads on https are not hashed for the signature", (s, o, v) => s.Store = s.Store with { Writes = s.Store.Writes with { UnsignedPayload = Flag(o, v) } }),
        Better("enable_content_md5", "uploads are checked by the SHA-256 payload hash of their signature"),
        Yes("use_xattr", "user.* extended attributes, as --xattr", (s, o, v) => s.Xattrs = Flag(o, v)),
        No("use_wtf8", "object names must be UTF-8; rename the files before copying them in"),
        No("nocopyapi", "bucketfs needs server-side copy (CopyObject) for chmod, chown, rename and partial rewrites"),
        No("norenameapi", "bucketfs needs server-side copy (CopyObject) for rename"),
        // Uploads.
        Better("parallel_count", "parts of a file go up 4 at a time, within --memory-limit for all files"),
        Better("multipart_size", "parts grow with the file (8 MiB first), so 10,000 parts reach 5 TiB"),
        Better("multipart_threshold", "files over 16 MiB are uploaded in parts, sent while the file is written"),
        Better("multipart_copy_size", "copies are split in parts sized for the object"),
        Better("singlepart_copy_limit", "copies over 5 GiB are split in parts, as S3 requires"),
        Better("nomultipart", "large files need multipart uploads; small ones are one PUT"),
        Better("nomixupload", "unchanged parts of a rewritten file are copied server-side, never sent again"),
        Better("streamupload", "parts of a file written from the start go up while it is written"),
        Better("max_thread_count", "parts of a file go up 4 at a time, within --memory-limit for all files"),
        Better("max_dirty_data", "written data is staged on disk (--cache-dir) and uploaded at close or fsync"),
        Yes("retries", "retries of a failed request (default 5)", (s, o, v) => s.Store = s.Store with { Retries = OptionValues.Whole(o, Value(o, v)) }),
        Yes("connect_timeout", "seconds to wait for a connection", (s, o, v) => s.Store = s.Store with { ConnectTimeout = OptionValues.Seconds(o, Value(o, v)) }),
        Yes("readwrite_timeout", "seconds an answer may stall before it is asked for again, as --stall-timeout", (s, o, v) => s.Store = s.Store with { StallTimeout = OptionValues.Seconds(o, Value(o, v)) }),
        Better("multireq_max", "listings stream page by page, and ls -l needs no request per file"),
        Yes("list_object_max_keys", "keys asked for per listing request", (s, o, v) => s.ListPageSize = Math.Clamp(OptionValues.Whole(o, Value(o, v)), 1, 1000)),
        // Metadata cache.
        Yes("stat_cache_expire", "seconds names and attributes are trusted, as --metadata-ttl", (s, o, v) => s.MetadataTtl = OptionValues.Ttl(o, Value(o, v))),
        Yes("stat_cache_interval_expire", "seconds names and attributes are trusted, as --metadata-ttl", (s, o, v) => s.MetadataTtl = OptionValues.Ttl(o, Value(o, v))),
        Yes("max_stat_cache_size", "entries kept in the metadata cache", (s, o, v) => s.MetadataCacheCapacity = Math.Max(1, OptionValues.Whole(o, Value(o, v)))),
        Better("enable_noobj_cache", "a name found missing is trusted missing for the metadata TTL, like any other answer"),
        Better("disable_noobj_cache", "a name found missing is asked again once the metadata TTL (default 1 s) has passed"),
        Better("complement_stat", "objects without s3fs metadata always get a mode (--file-mode, --dir-mode)"),
        Better("compat_dir", "dir/ markers, dir_$folder$ markers and bare prefixes are all directories"),
        Better("notsup_compat_dir", "dir/ markers, dir_$folder$ markers and bare prefixes are all directories"),
        Better("update_parent_dir_stat", "a directory's mtime and ctime move when this mount changes its entries"),
        // Local files.
        Yes("tmpdir", "where files being written are staged, as --cache-dir", (s, o, v) => s.CacheDirectory = Value(o, v)),
        Yes("use_cache", "keeps object data on disk across mounts, as --cache", (s, o, v) => s.DataCache = Value(o, v)),
        Yes("check_cache_dir_exist", "the use_cache folder must exist, else the mount fails", (s, _, _) => s.CheckCacheDirectoryExists = true),
        Yes("del_cache", "empties the use_cache folder when the mount starts and when it ends", (s, _, _) => s.DeleteCache = true),
        Yes("ensure_diskfree", "MB the cache leaves free on its disk, as --cache-min-free", (s, o, v) => s.CacheMinFree = OptionValues.Mebibytes(o, Value(o, v), least: 0)),
        No("free_space_ratio", "give the free space to keep in MB with ensure_diskfree= (--cache-min-free)"),
        No("bucket_size", "not supported; df shows the store's size as unlimited"),
        No("set_check_cache_sigusr1", "use 'bucketfs cache status DIR'"),
        // Owners and modes.
        Yes("uid", "owner of every file and directory, as s3fs shows them", (s, o, v) => s.ForcedUid = OptionValues.User(o, Value(o, v))),
        Yes("gid", "group of every file and directory, as s3fs shows them", (s, o, v) => s.ForcedGid = OptionValues.Group(o, Value(o, v))),
        Yes("umask", "every file and directory shows 0777 less these bits (umask=022: 755), as in s3fs", (s, o, v) => s.Umask = OptionValues.Mode(o, Value(o, v))),
        Yes("mp_umask", "with allow_other, the mountpoint shows 0777 less these bits", (s, o, v) => s.MountpointUmask = OptionValues.Mode(o, Value(o, v))),
        // Logging.
        Yes("logfile", "where the daemon logs, as --log-file", (s, o, v) => s.LogFile = Value(o, v)),
        Yes("dbglevel", "info or debug logs every request, as --debug", (s, _, v) => s.Debug = v is "debug" or "dbg" or "info"),
        Yes("curldbg", "logs every request, as --debug", (s, _, _) => s.Debug = true),
        Better("no_time_stamp_msg", "the log's time stamps are kept; they cost nothing"),
        Better("instance_name", "each mount logs to its own file, named for its mountpoint"),
        // FUSE options.
        Yes("allow_other", "lets other users in, as --allow-other", (s, _, _) => s.AllowOther = true),
        Yes("allow_root", "lets root in", (s, _, _) => s.AllowRoot = true),
        Yes("nonempty", "mounts over a folder that has files (never over another bucketfs mount)", (s, _, _) => s.NonEmpty = true),
        Yes("ro", "refuses every change, as --read-only", (s, _, _) => s.ReadOnly = true),
        Yes("f", "stays in the foreground, as -f", (s, _, _) => s.Foreground = true),
        Yes("foreground", "stays in the foreground, as -f", (s, _, _) => s.Foreground = true),
        Yes("d", "logs every request, as --debug", (s, _, _) => s.Debug = true),
        Yes("debug", "logs every request, as --debug", (s, _, _) => s.Debug = true),
        Better("s", "requests are served on several threads, safely"),
        Better("kernel_cache", "the kernel keeps a file's pages while its version is unchanged"),
        Better("big_writes", "writes of up to 1 MiB are negotiated with the kernel"),
        Better("default_permissions", "the kernel checks permissions against the modes shown"),
        // bucketfs's own -o forms.
        Yes("cache_size", "most data kept in use_cache, as --cache-size", (s, o, v) => s.CacheSize = OptionValues.Size(o, Value(o, v))),
        Yes("passthrough", "0 serves cached files through the daemon, as --no-passthrough", (s, _, v) => s.Passthrough = v != "0"),
        Yes("metrics_addr", "serves Prometheus metrics at http://HOST:PORT/metrics, as --metrics-addr", (s, o, v) => s.MetricsAddress = Operations.MetricsAddress.Parse(o, Value(o, v))),
        Yes("otlp_endpoint", "pushes metrics to this OpenTelemetry collector URL, as --otlp-endpoint", (s, o, v) => s.OtlpEndpoint = OptionValues.Url(o, Value(o, v))),
        // Generic mount(8) options an fstab line may carry.
        .. new[]
        {
            "rw", "defaults", "auto", "noauto", "user", "users", "nouser", "owner", "_netdev", "nofail", "dev", "nodev", "suid", "nosuid",
            "exec", "noexec", "atime", "noatime", "diratime", "nodiratime", "relatime", "norelatime", "strictatime", "async", "sync", "dirsync",
        }.Select(Generic),
    ];

    private static readonly Dictionary<string, S3fsOption> ByName = All.ToDictionary(o => o.Name, StringComparer.Ordinal);

    public static S3fsOption? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The -o summary of `bucketfs mount --help`: what each option does comes from the README's table.</summary>
    public static string Help() =>
        "s3fs and mount(8) options, as an fstab line gives them (the README lists each with what it does). " +
        $"With s3fs's meaning: {Names(S3fsSupport.Implemented)}. " +
        $"Accepted, because bucketfs already does what they ask: {Names(S3fsSupport.Better)}. " +
        $"Refused, each naming what to use instead: {Names(S3fsSupport.Refused)}.";

    private static string Names(S3fsSupport support) => string.Join(",", All.Where(o => o.Support == support).Select(o => o.Name));
}
