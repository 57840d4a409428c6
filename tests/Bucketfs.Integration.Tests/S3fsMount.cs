using System.Diagnostics;
using Amazon.S3.Model;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// s3fs (the Debian package, 1.90) mounted on a test bucket in the foreground as a child process
/// with a known PID, as the reference the interop tests compare bucketfs with. Dispose unmounts with
/// fusermount3, waits for that PID to exit, and kills it by PID if it does not.
/// </summary>
public sealed class S3fsMount : IDisposable
{
    private readonly Process _daemon;
    private readonly System.Text.StringBuilder _log;

    private S3fsMount(Process daemon, string directory, string mountpoint, System.Text.StringBuilder log)
    {
        _daemon = daemon;
        Directory = directory;
        Path = mountpoint;
        _log = log;
    }

    public string Directory { get; }
    public string Path { get; }
    public int Pid => _daemon.Id;

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    /// <summary>What s3fs printed so far (stdout and stderr).</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static S3fsMount Start(TestStore store, string bucket)
    {
        string directory = System.IO.Path.Combine("/tmp/bucketfs-it", "s3fs-" + Guid.NewGuid().ToString("N")[..12]);
        string mountpoint = System.IO.Path.Combine(directory, "mnt");
        System.IO.Directory.CreateDirectory(mountpoint);
        // BUCKET:ACCESS:SECRET: s3fs takes the bucket up to the first ':' and the secret after the
        // last one, so an access key with a ':' in it (Swift's "test:tester") survives; the short
        // ACCESS:SECRET form would split it.
        string passwd = System.IO.Path.Combine(directory, "passwd");
        File.WriteAllText(passwd, $"{bucket}:{store.AccessKey}:{store.SecretKey}\n");
        File.SetUnixFileMode(passwd, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var start = new ProcessStartInfo("s3fs")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { bucket, mountpoint, "-f", "-o", $"url={store.Endpoint},use_path_request_style,passwd_file={passwd},dbglevel=warn" })
            start.ArgumentList.Add(arg);
        // Credentials come from the passwd file only; AWS_CA_BUNDLE breaks tools on plain http.
        foreach (string name in new[] { "AWS_CA_BUNDLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWSACCESSKEYID", "AWSSECRETACCESSKEY" })
            start.Environment.Remove(name);

        var log = new System.Text.StringBuilder();
        var daemon = Process.Start(start) ?? throw new InvalidOperationException("s3fs did not start");
        daemon.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) log.AppendLine(e.Data); };
        daemon.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) log.AppendLine(e.Data); };
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        var mount = new S3fsMount(daemon, directory, mountpoint, log);

        var clock = Stopwatch.StartNew();
        while (!IsMounted(mountpoint))
        {
            if (daemon.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                mount.Dispose();
                throw new InvalidOperationException($"s3fs did not mount {bucket} within {clock.Elapsed.TotalSeconds:F0} s: {mount.Log}");
            }
            Thread.Sleep(50);
        }
        // s3fs answers the root once its own bucket check is done; a stat proves it serves requests.
        Run("stat", mountpoint);
        return mount;
    }

    public static bool IsMounted(string mountpoint) => File.ReadLines("/proc/mounts").Any(l => l.Split(' ')[1] == mountpoint);

    public void Dispose()
    {
        if (IsMounted(Path) && Execute("fusermount3", ["-u", Path], TimeSpan.FromSeconds(30)).ExitCode != 0)
            Execute("fusermount3", ["-u", "-z", Path], TimeSpan.FromSeconds(30));
        if (!_daemon.WaitForExit(TimeSpan.FromSeconds(20))) _daemon.Kill();
        _daemon.WaitForExit(TimeSpan.FromSeconds(10));
        bool exited = _daemon.HasExited;
        _daemon.Dispose();
        if (!IsMounted(Path)) System.IO.Directory.Delete(Directory, recursive: true);
        if (!exited) throw new InvalidOperationException($"s3fs (pid {Pid}) did not exit after its unmount");
    }

    /// <summary>One line of stat(1) for a path, not following a final symlink.</summary>
    public sealed record Entry(string Type, string Mode, string Uid, string Gid, long Mtime, long Size)
    {
        /// <summary>Type, mode, owner, group and mtime; the size too except for directories (s3fs says 0, bucketfs 4096).</summary>
        public override string ToString() => $"{Type} mode {Mode} owner {Uid}:{Gid} mtime {Mtime}" + (Type == "directory" ? "" : $" size {Size}");
    }

    /// <summary>stat(1) of each path, one lookup each and no directory listing, in one process.</summary>
    public static Dictionary<string, Entry> StatAll(string root, IEnumerable<string> relativePaths)
    {
        var paths = relativePaths.ToList();
        string output = Run("stat", ["-c", "%F|%a|%u|%g|%Y|%s", .. paths.Select(p => System.IO.Path.Combine(root, p))]);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(paths.Count, lines.Length);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        for (int i = 0; i < paths.Count; i++)
        {
            var f = lines[i].Split('|');
            entries[paths[i]] = new Entry(f[0], f[1], f[2], f[3], long.Parse(f[4]), long.Parse(f[5]));
        }
        return entries;
    }

    /// <summary>Runs a tool with a time bound and returns its stdout; a non-zero exit fails the test with its stderr.</summary>
    public static string Run(string program, params string[] args)
    {
        var result = Execute(program, args, TimeSpan.FromSeconds(120));
        if (result.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {result.ExitCode}: {result.Stderr}");
        return result.Stdout;
    }

    public static (int ExitCode, string Stdout, string Stderr) Execute(string program, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("AWS_CA_BUNDLE");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:F0} s");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>An object's bytes fetched with the SDK, never through a mount; null when it does not exist.</summary>
    public static async Task<byte[]?> GetObjectAsync(TestStore store, string bucket, string key)
    {
        try
        {
            using var response = await store.Client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key });
            var content = new MemoryStream();
            await response.ResponseStream.CopyToAsync(content);
            return content.ToArray();
        }
        catch (Amazon.S3.AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
