using System.Diagnostics.Metrics;
using Bucketfs.Cli.Credentials;
using Bucketfs.Cli.Operations;
using Bucketfs.Core;
using Bucketfs.Core.Kernel;
using Bucketfs.Core.Cache;
using Bucketfs.Fuse.Mounting;
using Bucketfs.Fuse.Native;
using Bucketfs.Fuse.Session;
using Bucketfs.ObjectStore;
using Bucketfs.Cli.Stores;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli.Mount;

/// <summary>
/// Checks everything that can be checked before mounting (mountpoint, /dev/fuse, credentials,
/// the bucket itself), so a bad input is one clear line and a non-zero exit instead of a mount
/// that fails later; then mounts and serves until unmounted.
/// </summary>
internal static class MountRunner
{
    private static readonly TimeSpan PreflightTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Reads the settings first, so a <see cref="UsageException"/> reaches the caller before anything else happens.</summary>
    public static int Run(Func<MountSettings> read)
    {
        var settings = read();
        if (!settings.Foreground && !Daemon.IsChild) return Daemon.StartAndWait();
        if (Daemon.IsChild) Daemon.DetachFromSession();

        string? logFile = settings.LogFile ?? (Daemon.IsChild ? DefaultLogFile(settings.Mountpoint) : null);
        using var fileLog = logFile is null ? null : new FileLoggerProvider(logFile, Logging.Level(settings.Debug));
        using var logs = Logging.Create(settings.Debug, fileLog);
        var log = logs.CreateLogger("bucketfs");
        try
        {
            CheckMountpoint(settings);
            if (fileLog?.Claim() == false) throw new MountFailure($"{logFile} is being written by another bucketfs daemon; give this mount its own --log-file");
            using var meter = new Meter(MetricsExport.MeterName);
            using var export = StartExport(settings, log);
            var target = StoreFactory.Resolve(settings.Store with { Meter = meter }, log);
            log.LogInformation("Mounting {Source} on {Mountpoint} (credentials: {CredentialSource})", settings.Source, settings.Mountpoint, target.CredentialSource);
            foreach (string accepted in settings.AcceptedOptions) log.LogInformation("Option {Option} accepted: bucketfs already does this", accepted);

            var store = Preflight(() => target.OpenAsync(probe: false, PreflightTimeout, CancellationToken.None), target);
            CheckBucket(target);

            using var dataCache = OpenDataCache(settings, log);
            var filesystem = FilesystemOptions(settings, target.Place) with { Meter = meter };
            var fs = new BucketFileSystem(store, filesystem, log, dataCache);
            if (!settings.ReadOnly) Preflight(() => fs.RecoverStagedAsync(CancellationToken.None), target);
            var mount = new MountOptions
            {
                Mountpoint = settings.Mountpoint,
                FsName = $"{settings.Source.Bucket}",
                Subtype = OwnMounts.Subtype,
                AllowOther = settings.AllowOther,
                AllowRoot = settings.AllowRoot,
                ReadOnly = settings.ReadOnly,
            };
            var session = FuseSession.Mount(new FuseAdapter(fs, log), mount, new SessionOptions { Passthrough = settings.Passthrough && dataCache != null, RequestTimeout = settings.Store.RequestTimeout, Meter = meter }, log);
            log.LogInformation("Mounted {Source} on {Mountpoint}", settings.Source, session.Mountpoint);
            var record = new MountRecord(Environment.ProcessId, session.Mountpoint, settings.Source.ToString(), filesystem.StagingDirectory, fileLog?.Path, settings.Options);
            if (!record.Save()) log.LogWarning("Could not record this mount for bucketfs unmount; it will not wait for pending uploads");
            using var figures = new LiveFigures(MetricsExport.MeterName, TimeProvider.System);
            var started = DateTimeOffset.UtcNow;
            using var control = ControlSocket.Start(MountRecord.SocketOf(session.Mountpoint),
                () => new MountStatus(session.Mountpoint, record.Source, record.Pid, started, record.LogFile, figures.Snapshot(), fs.PendingUploads), log);
            SystemdNotify.Ready($"Serving {settings.Source} on {session.Mountpoint}");
            if (Daemon.IsChild) Daemon.ReportReady();
            try
            {
                return MountLifetime.Serve(session, log, bound =>
                {
                    SystemdNotify.Stopping($"Unmounted {session.Mountpoint}; finishing uploads");
                    return fs.FinishUploadsAsync(bound);
                });
            }
            finally
            {
                // Before the record goes: `bucketfs unmount` returns once it has.
                if (settings.DeleteCache) dataCache?.Clear();
                record.Remove();
            }
        }
        catch (Exception e) when (e is MountFailure or FuseMountException or CredentialException)
        {
            log.LogError("{Message}", e.Message);
            Console.Error.WriteLine($"bucketfs: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static IDisposable? StartExport(MountSettings settings, ILogger log)
    {
        try
        {
            var export = MetricsExport.Start(settings.MetricsAddress, settings.OtlpEndpoint);
            if (settings.MetricsAddress != null) log.MetricsExported($"Prometheus at {settings.MetricsAddress}");
            if (settings.OtlpEndpoint != null) log.MetricsExported($"OTLP to {settings.OtlpEndpoint}");
            return export;
        }
        catch (Exception e) when (e is System.Net.HttpListenerException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            throw new MountFailure($"cannot serve metrics at {settings.MetricsAddress}: {e.Message}");
        }
    }

    private static void CheckMountpoint(MountSettings settings)
    {
        string path = settings.Mountpoint;
        if (Unmounter.IsStale(path)) return; // the FUSE layer clears it
        if (!Path.Exists(path)) throw new MountFailure($"mountpoint {path} does not exist (create it with mkdir)");
        if (!Directory.Exists(path)) throw new MountFailure($"mountpoint {path} is not a directory");
        // -o nonempty lets a mount cover files, never another bucketfs mount: two daemons would serve one path.
        if (Unmounter.FilesystemTypeAt(path) is { } type && (!settings.NonEmpty || type == "fuse." + OwnMounts.Subtype))
            throw new MountFailure($"{path} is already a mountpoint ({type}); unmount it first");
        if (!settings.NonEmpty && Directory.EnumerateFileSystemEntries(path).Any())
            throw new MountFailure($"mountpoint {path} is not empty (use -o nonempty to mount over its contents)");
        if (!File.Exists("/dev/fuse") && !Path.Exists("/dev/fuse"))
            throw new MountFailure("/dev/fuse is missing: load the fuse module, or give the container --device /dev/fuse");
    }

    /// <summary>One listing request proves the endpoint, the credentials and the bucket before anything is mounted.</summary>
    private static void CheckBucket(StoreTarget target)
    {
        var probe = Preflight(() => target.OpenAsync(probe: true, PreflightTimeout, CancellationToken.None), target);
        try
        {
            Preflight(() => probe.ListAsync("", "/", null, 1, CancellationToken.None), target);
        }
        finally
        {
            (probe as IDisposable)?.Dispose();
        }
    }

    private static T Preflight<T>(Func<Task<T>> call, StoreTarget target)
    {
        try
        {
            return call().GetAwaiter().GetResult();
        }
        catch (Exception e) when (CredentialFailure(e) is { } failure)
        {
            // Credentials the SDK chain looks up on first use fail inside the first call; the store was never asked.
            throw failure;
        }
        catch (ObjectStoreException e)
        {
            throw new MountFailure(target.Explain(e));
        }
        catch (Amazon.Runtime.AmazonServiceException e)
        {
            throw new MountFailure($"{target.Source} at {target.Where}: {e.Message}");
        }
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or TaskCanceledException or Amazon.Runtime.AmazonClientException)
        {
            throw new MountFailure($"cannot reach {target.Where}: {e.Message}");
        }
    }

    private static CredentialException? CredentialFailure(Exception? e)
    {
        while (e is not null and not CredentialException) e = e.InnerException;
        return e as CredentialException;
    }

    private static FilesystemOptions FilesystemOptions(MountSettings s, string place)
    {
        var defaults = new FilesystemOptions();
        return defaults with
        {
            Uid = s.Uid ?? Identity.Uid,
            Gid = s.Gid ?? Identity.Gid,
            FileMode = s.FileMode ?? defaults.FileMode,
            DirectoryMode = s.DirectoryMode ?? defaults.DirectoryMode,
            ForcedUid = s.ForcedUid,
            ForcedGid = s.ForcedGid,
            ForcedPermissions = 0x1FF & ~s.Umask,
            RootPermissions = s.AllowOther && s.MountpointUmask is { } mp ? 0x1FF & ~mp : null,
            MimeTypesFile = s.MimeTypesFile ?? defaults.MimeTypesFile,
            ListPageSize = s.ListPageSize ?? defaults.ListPageSize,
            MetadataCacheCapacity = s.MetadataCacheCapacity ?? defaults.MetadataCacheCapacity,
            MetadataTtl = s.MetadataTtl,
            MemoryLimit = s.MemoryLimit ?? defaults.MemoryLimit,
            ReadOnly = s.ReadOnly,
            StagingDirectory = StagingDirectory(s, place),
            RenameDirectoryLimit = s.RenameDirectoryLimit ?? defaults.RenameDirectoryLimit,
            Xattrs = s.Xattrs,
        };
    }

    private static DataCache? OpenDataCache(MountSettings s, ILogger log)
    {
        if (s.DataCache is null) return null;
        var defaults = new DataCacheOptions(s.DataCache);
        if (s.CheckCacheDirectoryExists && !Directory.Exists(s.DataCache))
            throw new MountFailure($"cache folder {s.DataCache} does not exist (-o check_cache_dir_exist)");
        try
        {
            if (s.DeleteCache && Directory.Exists(s.DataCache)) DataCache.Clear(s.DataCache);
            return DataCache.Open(defaults with
            {
                MaxBytes = s.CacheSize ?? defaults.MaxBytes,
                MinFreeBytes = s.CacheMinFree ?? defaults.MinFreeBytes,
            }, log);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MountFailure($"cannot use {s.DataCache} as the data cache: {e.Message}");
        }
    }

    /// <summary>One staging folder per bucket and prefix, so a later mount of the same place finds what a crash left.</summary>
    private static string StagingDirectory(MountSettings s, string store)
    {
        string root = CacheRoot(s.CacheDirectory);
        string place = store + "/" + s.Source.Bucket + "/" + s.Source.Prefix;
        string name = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(place)))[..16].ToLowerInvariant();
        return Path.Combine(root, "staging", $"{s.Source.Bucket}-{name}");
    }

    /// <summary>What --cache-dir names, or its default: /var/cache/bucketfs for root, the user's cache folder otherwise.</summary>
    public static string CacheRoot(string? cacheDirectory) => cacheDirectory ?? (Identity.IsRoot
        ? "/var/cache/bucketfs"
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "bucketfs"));

    /// <summary>Where the background daemon logs when not told: per mountpoint, under /var/log for root, the user's state directory otherwise.</summary>
    private static string DefaultLogFile(string mountpoint)
    {
        string name = mountpoint.Trim('/').Replace('/', '-');
        string directory = Identity.IsRoot
            ? "/var/log/bucketfs"
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_STATE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"), "bucketfs");
        return Path.Combine(directory, (name.Length == 0 ? "root" : name) + ".log");
    }
}

/// <summary>The mount cannot go ahead; the message is the one line the user sees.</summary>
internal sealed class MountFailure(string message) : Exception(message);
