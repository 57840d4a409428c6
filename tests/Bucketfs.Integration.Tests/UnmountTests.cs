using System.Diagnostics;
using Bucketfs.Fuse.Mounting;

namespace Bucketfs.Integration.Tests;

/// <summary>`bucketfs unmount` takes bucketfs mounts only, a dead one included, and leaves every other mount alone.</summary>
public sealed class UnmountTests
{
    [Fact]
    public void TmpfsIsRefusedAndLeftMounted()
    {
        string directory = Path.Combine("/tmp/bucketfs-it", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        Run("mount", "-t", "tmpfs", "bucketfs-test", directory);
        try
        {
            File.WriteAllText(Path.Combine(directory, "kept"), "still here");

            var result = Cli.Run(null, ["unmount", directory, "--timeout", "30"], timeout: TimeSpan.FromSeconds(60));

            MountErrorTests.AssertOneLineError(result, $"{directory} is not a bucketfs mount (it is tmpfs)");
            Assert.True(result.Elapsed < TimeSpan.FromSeconds(15), $"took {result.Elapsed}: it should refuse at once, not retry");
            Assert.Equal("tmpfs", Unmounter.FilesystemTypeAt(directory));
            Assert.Equal("still here", File.ReadAllText(Path.Combine(directory, "kept")));
        }
        finally
        {
            Run("umount", directory);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task MountWhoseDaemonDiedIsUnmounted()
    {
        var store = TestStore.Get("ceph");
        using var mount = BucketMount.Start(store, await store.NewBucketAsync());
        using (var daemon = Process.GetProcessById(mount.Pid))
        {
            daemon.Kill();
            Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(20)), "the daemon did not die");
        }
        Assert.True(Unmounter.IsStale(mount.Path), "a killed daemon should leave 'transport endpoint is not connected'");

        var result = Cli.Run(null, ["unmount", mount.Path], timeout: TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Null(Unmounter.FilesystemTypeAt(mount.Path));
    }

    /// <summary>
    /// `umount -l` with a file open leaves the connection served but nothing mounted at the path:
    /// `bucketfs unmount` says so, SIGTERM finds nothing to unmount, and the daemon must keep serving
    /// the open file until it is closed, upload what that close() acknowledged, and exit 0.
    /// </summary>
    [Fact]
    public async Task SigtermAfterALazyUnmountWithAFileOpenEndsCleanlyOnceTheFileIsClosed()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket);
        // A process of its own: the file must stay open across the unmount and the signal.
        var start = new ProcessStartInfo("python3", ["-c", $"import sys\nf = open('{mount["log"]}', 'w')\nf.write('first\\n')\nf.flush()\nprint('written', flush=True)\nsys.stdin.readline()\nf.write('second\\n')\nf.close()\nprint('closed', flush=True)"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            WorkingDirectory = "/",
        };
        using var writer = Process.Start(start)!;
        try
        {
            Assert.Equal("written", await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            Run("umount", "-l", mount.Path);
            Assert.Null(Unmounter.FilesystemTypeAt(mount.Path));
            MountErrorTests.AssertOneLineError(Cli.Run(null, ["unmount", mount.Path], timeout: TimeSpan.FromSeconds(30)), $"{mount.Path} is not a mountpoint");

            Assert.Equal(0, Libc.Kill(mount.Pid, Libc.SIGTERM));
            Assert.True(mount.ExitCodeWithin(TimeSpan.FromSeconds(1)) is null, $"the daemon ended while a file was still open: {mount.Log}");

            writer.StandardInput.WriteLine();
            writer.StandardInput.Flush();
            Assert.Equal("closed", await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, mount.ExitCodeWithin(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            if (!writer.WaitForExit(TimeSpan.FromSeconds(10))) writer.Kill();
        }
        Assert.Equal("first\nsecond\n"u8.ToArray(), await store.GetAsync(bucket, "log"));
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        string stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30))) process.Kill();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {stderr}");
    }
}
