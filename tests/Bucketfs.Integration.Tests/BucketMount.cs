using System.Diagnostics;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// `bucketfs mount` of a test bucket in the foreground, as its own process with a known PID. Dispose
/// unmounts, waits for the daemon to exit, and kills it by PID if it does not.
/// </summary>
public sealed class BucketMount : IDisposable
{
    private readonly Process _daemon;
    private readonly Task<string> _stderr;

    /// <summary>Past a TTL, so that the kernel's entries and the daemon's cache have both expired.</summary>
    private static readonly TimeSpan TtlMargin = TimeSpan.FromMilliseconds(100);

    private BucketMount(Process daemon, string directory, string mountpoint, Task<string> stderr, TimeSpan? metadataTtl)
    {
        _daemon = daemon;
        Directory = directory;
        Path = mountpoint;
        _stderr = stderr;
        _metadataTtl = metadataTtl;
    }

    private readonly TimeSpan? _metadataTtl;

    public string Directory { get; }
    public string Path { get; }
    public int Pid => _daemon.Id;

    /// <summary>The default cache folder of this mount (staged files are below it, in staging/).</summary>
    public string CacheDirectory => System.IO.Path.Combine(Directory, "cache");

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public static string CliPath => System.IO.Path.Combine(AppContext.BaseDirectory, "bucketfs.dll");

    public static BucketMount Start(TestStore store, string bucket, params string[] extra) => StartAt(store, store.Endpoint, bucket, extra);

    /// <summary>Mounts through another endpoint (a proxy in front of the store).</summary>
    public static BucketMount StartAt(TestStore store, string endpoint, string bucket, params string[] extra) =>
        StartWith(store, store.MountArguments(bucket, endpoint), extra);

    /// <summary>Mounts a source given with its options (swift://, an rclone remote) with <paramref name="environment"/> added to the daemon's.</summary>
    public static BucketMount StartWith(TestStore? store, string[] source, string[] extra, IReadOnlyDictionary<string, string>? environment = null)
    {
        string directory = System.IO.Path.Combine("/tmp/bucketfs-it", Guid.NewGuid().ToString("N")[..12]);
        string mountpoint = System.IO.Path.Combine(directory, "mnt");
        System.IO.Directory.CreateDirectory(mountpoint);
        string[] cache = extra.Contains("--cache-dir") ? [] : ["--cache-dir", System.IO.Path.Combine(directory, "cache")];
        var start = Cli.StartInfo(store, ["mount", source[0], mountpoint, .. source[1..], "--foreground", .. cache, .. extra]);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var daemon = Process.Start(start)!;
        var ready = new TaskCompletionSource<bool>();
        var log = new System.Text.StringBuilder();
        var stderr = Task.Run(async () =>
        {
            while (await daemon.StandardError.ReadLineAsync() is { } line)
            {
                lock (log) log.AppendLine(line);
                if (line.Contains("Mounted ")) ready.TrySetResult(true);
            }
            ready.TrySetResult(false);
            lock (log) return log.ToString();
        });
        int ttl = Array.IndexOf(extra, "--metadata-ttl");
        // "indefinite" never expires: there is nothing to wait past.
        TimeSpan? metadataTtl = ttl >= 0 && double.TryParse(extra[ttl + 1], System.Globalization.CultureInfo.InvariantCulture, out double seconds) ? TimeSpan.FromSeconds(seconds) : null;
        var mount = new BucketMount(daemon, directory, mountpoint, stderr, metadataTtl);
        if (!ready.Task.Wait(TimeSpan.FromSeconds(60)) || !ready.Task.Result)
        {
            mount.Dispose();
            throw new InvalidOperationException($"bucketfs did not mount: {stderr.Result}");
        }
        return mount;
    }

    /// <summary>
    /// Waits until every name and attribute this mount learnt before the call has expired. Nothing
    /// outside the daemon shows that moment, so this is the one wait by the clock; it needs the
    /// mount started with an explicit --metadata-ttl, so no test leans on the default.
    /// </summary>
    public void WaitPastMetadataTtl() =>
        Thread.Sleep((_metadataTtl ?? throw new InvalidOperationException("start the mount with --metadata-ttl to wait past it")) + TtlMargin);

    /// <summary>The daemon's exit code if it ends within <paramref name="bound"/>, else null.</summary>
    public int? ExitCodeWithin(TimeSpan bound) => _daemon.WaitForExit(bound) ? _daemon.ExitCode : null;

    /// <summary>What the daemon logged, once it has exited (empty before).</summary>
    public string Log => _stderr.Wait(_stopped ? TimeSpan.FromSeconds(10) : TimeSpan.Zero) ? _stderr.Result : "";

    private bool _stopped;

    public void Dispose()
    {
        if (_stopped) return;
        var unmount = Cli.Run(null, ["unmount", Path, "--timeout", "10"]);
        if (unmount.ExitCode != 0) Cli.Run(null, ["unmount", Path, "--lazy"]);
        if (!_daemon.WaitForExit(TimeSpan.FromSeconds(20))) _daemon.Kill();
        _daemon.WaitForExit(TimeSpan.FromSeconds(10));
        _daemon.Dispose();
        _stopped = true;
        if (!File.ReadLines("/proc/mounts").Any(l => l.Split(' ')[1] == Path))
            System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>Runs the bucketfs command line with a time bound, with the store's credentials in the environment.</summary>
public static class Cli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    public static ProcessStartInfo StartInfo(TestStore? store, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BucketMount.CliPath);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        // Set on these machines, and it breaks SDK clients on plain http.
        start.Environment.Remove("AWS_CA_BUNDLE");
        if (store != null)
        {
            start.Environment["AWS_ACCESS_KEY_ID"] = store.AccessKey;
            start.Environment["AWS_SECRET_ACCESS_KEY"] = store.SecretKey;
        }
        return start;
    }

    public static Result Run(TestStore? store, IEnumerable<string> args, Action<ProcessStartInfo>? adjust = null, TimeSpan? timeout = null)
    {
        var start = StartInfo(store, args);
        adjust?.Invoke(start);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bucketfs {string.Join(' ', args)} hung");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }
}
