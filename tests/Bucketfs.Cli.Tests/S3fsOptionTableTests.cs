using Bucketfs.Cli.Mount;
using Bucketfs.ObjectStore.S3;

namespace Bucketfs.Cli.Tests;

/// <summary>Every option of s3fs's manual is decided, the README says each decision, and each does what it says.</summary>
public sealed class S3fsOptionTableTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("bucketfs-s3fs-options-");

    public void Dispose() => _root.Delete(recursive: true);

    /// <summary>The options of s3fs's manual (doc/man/s3fs.1.in, 1.9x), FUSE's it names, and the older ones fstab lines still carry.</summary>
    public static readonly TheoryData<string> ManualOptions =
    [
        "bucket", "default_acl", "retries", "tmpdir", "use_cache", "check_cache_dir_exist", "del_cache", "storage_class", "use_rrs",
        "use_sse", "load_sse_c", "passwd_file", "ahbe_conf", "profile", "public_bucket", "connect_timeout", "readwrite_timeout",
        "list_object_max_keys", "max_stat_cache_size", "stat_cache_expire", "stat_cache_interval_expire", "disable_noobj_cache",
        "enable_noobj_cache", "no_check_certificate", "ssl_verify_hostname", "nodnscache", "nosscache", "multireq_max", "parallel_count",
        "multipart_size", "multipart_copy_size", "max_dirty_data", "bucket_size", "ensure_diskfree", "free_space_ratio",
        "multipart_threshold", "singlepart_copy_limit", "host", "servicepath", "url", "endpoint", "sigv2", "sigv4", "mp_umask", "umask",
        "nomultipart", "streamupload", "max_thread_count", "enable_content_md5", "enable_unsigned_payload", "ecs", "iam_role",
        "imdsv1only", "ibm_iam_auth", "ibm_iam_endpoint", "credlib", "credlib_opts", "use_xattr", "noxmlns", "nomixupload", "nocopyapi",
        "norenameapi", "use_path_request_style", "listobjectsv2", "noua", "cipher_suites", "instance_name", "complement_stat",
        "compat_dir", "notsup_compat_dir", "use_wtf8", "use_session_token", "requester_pays", "mime", "proxy", "proxy_cred_file",
        "ipresolve", "logfile", "dbglevel", "curldbg", "no_time_stamp_msg", "set_check_cache_sigusr1", "update_parent_dir_stat",
        "uid", "gid", "allow_other", "allow_root", "nonempty", "ro", "f", "d", "s", "kernel_cache", "big_writes", "sigv4only",
    ];

    [Theory]
    [MemberData(nameof(ManualOptions))]
    public void EveryOptionOfTheS3fsManualIsDecided(string name) => Assert.NotNull(S3fsOptionTable.Find(name));

    [Fact]
    public void ReadmeTableListsEveryOptionWithItsDecision()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        foreach (var option in S3fsOptionTable.All.Where(o => o.Support != S3fsSupport.Generic))
        {
            string row = $"| `{option.Name}` | {Status(option.Support)} | {option.Note} |";
            Assert.True(readme.Contains(row, StringComparison.Ordinal), $"README lacks the row: {row}");
        }
    }

    [Fact]
    public void HelpNamesEveryDecision()
    {
        string help = S3fsOptionTable.Help();
        foreach (var option in S3fsOptionTable.All.Where(o => o.Support != S3fsSupport.Generic))
            Assert.Contains(option.Name, help);
    }

    [Theory]
    [MemberData(nameof(ManualOptions))]
    public void RefusedOptionsAreOneLineNamingWhatToUseInstead(string name)
    {
        var option = S3fsOptionTable.Find(name)!;
        if (option.Support != S3fsSupport.Refused) return;
        var e = Assert.Throws<UsageException>(() => Apply($"{name}=1"));
        Assert.Equal($"-o {name}: not supported by bucketfs; {option.Note}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("parallel_count=10")]
    [InlineData("multipart_size=64")]
    [InlineData("enable_noobj_cache")]
    [InlineData("nodnscache")]
    [InlineData("kernel_cache")]
    public void AcceptedOptionsSayWhyTheyChangeNothing(string item)
    {
        var accepted = new List<string>();
        var settings = Settings();
        settings.ApplyOptionList(item, accepted);
        Assert.Equal($"{item} ({S3fsOptionTable.Find(item.Split('=')[0])!.Note})", Assert.Single(accepted));
    }

    [Theory]
    [InlineData("use_sse", SseKind.S3, null)]
    [InlineData("use_sse=1", SseKind.S3, null)]
    [InlineData("use_sse=kmsid", SseKind.Kms, null)]
    [InlineData("use_sse=kmsid:arn:aws:kms:us-east-1:1:key/k", SseKind.Kms, "arn:aws:kms:us-east-1:1:key/k")]
    [InlineData("use_sse=k:key-1", SseKind.Kms, "key-1")]
    public void UseSseChoosesTheEncryption(string item, SseKind kind, string? kmsKey)
    {
        var writes = Apply(item).Store.Writes;
        Assert.Equal(kind, writes.Encryption);
        Assert.Equal(kmsKey, writes.KmsKeyId);
    }

    [Theory]
    [InlineData("custom:{file}")]
    [InlineData("c:{file}")]
    [InlineData("{file}")]
    public void UseSseCustomTakesTheFirstKeyOfAKeyFileOpenToItsOwnerOnly(string form)
    {
        string file = Path.Combine(_root.FullName, "sse.key");
        File.WriteAllText(file, "# the key\n" + new string('k', 32) + "\n" + Convert.ToBase64String(new byte[32]) + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var writes = Apply("use_sse=" + form.Replace("{file}", file)).Store.Writes;
        Assert.Equal(SseKind.Customer, writes.Encryption);
        Assert.Equal(System.Text.Encoding.ASCII.GetBytes(new string('k', 32)), writes.CustomerKey);

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.Contains("chmod 600", Assert.Throws<UsageException>(() => Apply("use_sse=custom:" + file)).Message);
    }

    [Fact]
    public void UseSseCustomTakesABase64Key()
    {
        string file = Path.Combine(_root.FullName, "sse64.key");
        var key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        File.WriteAllText(file, Convert.ToBase64String(key) + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(key, Apply("use_sse=custom:" + file).Store.Writes.CustomerKey);
        File.WriteAllText(file, "short\n");
        Assert.Contains("32 bytes", Assert.Throws<UsageException>(() => Apply("use_sse=custom:" + file)).Message);
    }

    [Fact]
    public void StoredFormOptionsReachTheWritePolicy()
    {
        var writes = Apply("storage_class=standard_ia,default_acl=bucket-owner-full-control,requester_pays,enable_unsigned_payload").Store.Writes;
        Assert.Equal(new S3WritePolicy { StorageClass = "STANDARD_IA", CannedAcl = "bucket-owner-full-control", RequesterPays = true, UnsignedPayload = true }, writes);
        Assert.Equal("REDUCED_REDUNDANCY", Apply("use_rrs").Store.Writes.StorageClass);
        Assert.Contains("-o storage_class 'cold'", Assert.Throws<UsageException>(() => Apply("storage_class=cold")).Message);
        Assert.Contains("-o default_acl 'secret'", Assert.Throws<UsageException>(() => Apply("default_acl=secret")).Message);
    }

    [Fact]
    public void ConnectionOptionsReachTheSettings()
    {
        var s = Apply("host=https://s3.example.com,no_check_certificate,ssl_verify_hostname=0,retries=2,connect_timeout=7,readwrite_timeout=9,proxy=proxy.local:3128").Store;
        Assert.Equal(new Uri("https://s3.example.com"), s.Endpoint);
        Assert.False(s.CheckCertificate);
        Assert.False(s.CheckHostname);
        Assert.Equal(2, s.Retries);
        Assert.Equal(TimeSpan.FromSeconds(7), s.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(9), s.StallTimeout);
        Assert.Equal(new Uri("http://proxy.local:3128"), s.Proxy);
    }

    [Theory]
    [InlineData("iam_role", "auto")]
    [InlineData("iam_role=auto", "auto")]
    [InlineData("iam_role=reader", "reader")]
    [InlineData("ecs", "ecs")]
    public void IamRoleAsksForTheMachinesCredentials(string item, string role) => Assert.Equal(role, Apply(item).Store.IamRole);

    [Fact]
    public void CacheAndMetadataOptionsReachTheSettings()
    {
        var s = Apply("use_cache=/var/cache/x,del_cache,check_cache_dir_exist,max_stat_cache_size=5000,stat_cache_expire=30,list_object_max_keys=500,mime=/etc/my.types,tmpdir=/scratch");
        Assert.Equal("/var/cache/x", s.DataCache);
        Assert.True(s.DeleteCache);
        Assert.True(s.CheckCacheDirectoryExists);
        Assert.Equal(5000, s.MetadataCacheCapacity);
        Assert.Equal(TimeSpan.FromSeconds(30), s.MetadataTtl);
        Assert.Equal(500, s.ListPageSize);
        Assert.Equal("/etc/my.types", s.MimeTypesFile);
        Assert.Equal("/scratch", s.CacheDirectory);
    }

    [Fact]
    public void MetricsOptionsTurnMetricsOnFromAnFstabLine()
    {
        var s = Apply("metrics_addr=127.0.0.1:9464,otlp_endpoint=http://collector:4318/v1/metrics");
        Assert.Equal(new Bucketfs.Cli.Operations.MetricsAddress("127.0.0.1", 9464), s.MetricsAddress);
        Assert.Equal(new Uri("http://collector:4318/v1/metrics"), s.OtlpEndpoint);
        Assert.Contains("-o metrics_addr 'nowhere'", Assert.Throws<UsageException>(() => Apply("metrics_addr=nowhere")).Message);
        Assert.Contains("-o otlp_endpoint", Assert.Throws<UsageException>(() => Apply("otlp_endpoint")).Message);
    }

    [Fact]
    public void UidGidAndUmaskAreShownForEverythingAsS3fsDoes()
    {
        var s = Apply("uid=1234,gid=99,umask=0022,mp_umask=077,allow_other");
        Assert.Equal(1234u, s.ForcedUid);
        Assert.Equal(99u, s.ForcedGid);
        Assert.Null(s.Uid);
        Assert.Equal(0x12u, s.Umask);
        Assert.Equal(0x3Fu, s.MountpointUmask);
    }

    private static string Status(S3fsSupport support) => support switch
    {
        S3fsSupport.Implemented => "yes",
        S3fsSupport.Better => "accepted, no effect needed",
        _ => "refused",
    };

    private static MountSettings Settings() => new() { Store = new Stores.StoreRequest(BucketSource.Parse("bucket"), new Dictionary<string, string?>(), ""), Mountpoint = "/mnt" };

    private static MountSettings Apply(string list)
    {
        var settings = Settings();
        settings.ApplyOptionList(list, []);
        return settings;
    }

    internal static string RepositoryRoot()
    {
        for (var at = new DirectoryInfo(AppContext.BaseDirectory); at != null; at = at.Parent)
            if (File.Exists(Path.Combine(at.FullName, "bucketfs.slnx"))) return at.FullName;
        throw new InvalidOperationException("bucketfs.slnx not found above the test's folder");
    }
}
