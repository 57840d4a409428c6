using System.Text.RegularExpressions;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// Tests that put a bucketfs where mount(8) finds it (/usr/bin, /usr/local/bin) run one at a time,
/// so an fstab mount runs the bucketfs its test put there.
/// </summary>
[CollectionDefinition(nameof(InstalledCommand))]
public sealed class InstalledCommand;

/// <summary>
/// The Debian package of scripts/package.sh, installed with dpkg as a user would: the command, an fstab
/// line's mount through mount.fuse3, the man page and completion; removed at the end. The package is
/// the one test.sh built (BUCKETFS_PACKAGE), else built here.
/// </summary>
[Collection(nameof(InstalledCommand))]
public sealed class PackageInstallTests
{
    private static readonly TimeSpan DpkgTimeout = TimeSpan.FromSeconds(300);

    [Fact]
    public async Task InstalledPackageMountsAnFstabLineAndIsRemovedCleanly()
    {
        Assert.False(Installed(), "a bucketfs package is installed already; this test would replace it");
        // mount(8)'s PATH has /usr/local/bin before /usr/bin: a bucketfs there would be the one mounted.
        Assert.False(File.Exists("/usr/local/bin/bucketfs"), "/usr/local/bin/bucketfs would shadow the installed /usr/bin/bucketfs");
        string package = Environment.GetEnvironmentVariable("BUCKETFS_PACKAGE") is { Length: > 0 } given ? given : Build();
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "data/file.txt", "from the package"u8.ToArray());
        using var folder = new TempFolder();
        string mountpoint = Directory.CreateDirectory(Path.Combine(folder.Path, "mnt")).FullName;
        string passwd = Path.Combine(folder.Path, "passwd");
        File.WriteAllText(passwd, $"{store.AccessKey}:{store.SecretKey}\n");
        File.SetUnixFileMode(passwd, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        int port = PrometheusText.FreePort();

        Dpkg("-i", package);
        int? daemon = null;
        try
        {
            Assert.Matches(new Regex(@"^\d+\.\d+\.\d+\+[0-9a-f]{7,}$"), S3fsMount.Run("/usr/bin/bucketfs", "--version").Trim());

            // As `mount -a` does for "BUCKET:/data MOUNTPOINT fuse.bucketfs OPTIONS 0 0".
            var mounted = FstabMount.Run("fuse.bucketfs", $"{bucket}:/data", mountpoint,
                $"_netdev,url={store.Endpoint},use_path_request_style,passwd_file={passwd},metrics_addr=127.0.0.1:{port},logfile={Path.Combine(folder.Path, "log")}");
            Assert.True(mounted.ExitCode == 0, mounted.Stderr);
            daemon = DaemonServing(mountpoint);
            Assert.Equal("/usr/bin/bucketfs", File.ResolveLinkTarget($"/proc/{daemon}/exe", returnFinalTarget: false)?.FullName);

            Assert.Equal("from the package", File.ReadAllText(Path.Combine(mountpoint, "file.txt")));
            File.WriteAllText(Path.Combine(mountpoint, "written.txt"), "written through the package");
            await Eventually.PollAsync(() => store.KeysAsync(bucket), keys => keys.Contains("data/written.txt"));
            Assert.True((await PrometheusText.ScrapeAsync(port)).Sum("bucketfs_store_request_duration_seconds_count") > 0);

            var unmounted = S3fsMount.Execute("/usr/bin/bucketfs", ["unmount", mountpoint], TimeSpan.FromSeconds(60));
            Assert.True(unmounted.ExitCode == 0, unmounted.Stderr);
            Assert.Equal("written through the package"u8.ToArray(), await store.GetAsync(bucket, "data/written.txt"));

            if (File.Exists("/usr/bin/man")) Assert.Equal("/usr/share/man/man1/bucketfs.1.gz", S3fsMount.Run("man", "-w", "bucketfs").Trim());
            Assert.Contains("mount", Completions("bucketfs mo"));
        }
        finally
        {
            if (File.ReadLines("/proc/mounts").Any(l => l.Split(' ')[1] == mountpoint))
                S3fsMount.Execute("umount", ["-l", mountpoint], TimeSpan.FromSeconds(30));
            if (daemon is int pid && Directory.Exists($"/proc/{pid}")) System.Diagnostics.Process.GetProcessById(pid).Kill();
            Dpkg("-r", "bucketfs");
        }
        Assert.False(Installed());
        Assert.False(File.Exists("/usr/bin/bucketfs"));
    }

    private static string Build()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "bucketfs.slnx"))) root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        string deb = S3fsMount.Execute(Path.Combine(root, "scripts", "package.sh"), [], TimeSpan.FromMinutes(30)).Stdout.Trim();
        return Path.Combine(root, deb);
    }

    private static bool Installed() =>
        S3fsMount.Execute("dpkg-query", ["-W", "-f=${Status}", "bucketfs"], DpkgTimeout).Stdout.Contains("install ok installed");

    private static void Dpkg(params string[] args)
    {
        var result = S3fsMount.Execute("dpkg", args, DpkgTimeout);
        Assert.True(result.ExitCode == 0, $"dpkg {string.Join(' ', args)}: {result.Stderr}");
    }

    /// <summary>The process serving <paramref name="mountpoint"/>: the one whose command line names it.</summary>
    private static int DaemonServing(string mountpoint) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Single(pid =>
            {
                try { return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0').Contains(mountpoint); }
                catch (IOException) { return false; }
                catch (UnauthorizedAccessException) { return false; }
            });

    /// <summary>What the installed bash completion offers for <paramref name="line"/>, typed up to its end.</summary>
    private static string[] Completions(string line) =>
        S3fsMount.Run("bash", "-c",
            "source /usr/share/bash-completion/completions/bucketfs; " +
            $"COMP_LINE='{line}'; COMP_POINT={line.Length}; COMP_WORDS=({line}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); " +
            "_bucketfs; printf '%s\\n' \"${COMPREPLY[@]}\"").Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
