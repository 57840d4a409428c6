using Bucketfs.Fuse.Mounting;
using Bucketfs.MemoryFs;

namespace Bucketfs.Fuse.Tests.Mounts;

/// <summary>Unmounting while in use, and recovering a mountpoint whose daemon died.</summary>
[Collection(MountCollection.Name)]
public sealed class UnmountTests
{
    [Fact]
    public async Task BusyMountIsRefusedAfterRetriesThenDetachesLazily()
    {
        using var mount = TestMount.Start(new MemoryFileSystem());
        using var holder = Tool.Start("sleep", ["60"], workingDirectory: mount.Path);
        try
        {
            var e = Assert.Throws<FuseMountException>(() => Unmounter.Unmount(mount.Path, lazy: false, TimeSpan.FromSeconds(1)));
            Assert.Contains("busy", e.Message);
            Assert.True(Unmounter.IsMountpoint(mount.Path));

            Unmounter.Unmount(mount.Path, lazy: true, TimeSpan.FromSeconds(5));
            Assert.False(Unmounter.IsMountpoint(mount.Path));
            Assert.False(mount.Session.Completion.IsCompleted, "the session must keep serving the process still inside");
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }
        await mount.Session.Completion.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task UnmountRetriesUntilTheMountIsNoLongerBusy()
    {
        using var mount = TestMount.Start(new MemoryFileSystem());
        using var holder = Tool.Start("sleep", ["1"], workingDirectory: mount.Path);
        Unmounter.Unmount(mount.Path, lazy: false, TimeSpan.FromSeconds(20));
        Assert.False(Unmounter.IsMountpoint(mount.Path));
        await mount.Session.Completion.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void DaemonStopsCleanlyOnSigterm()
    {
        using var directory = TestDirectory.Create();
        using var daemon = Daemon.Start(directory.Mountpoint);
        File.WriteAllText(Path.Combine(directory.Mountpoint, "f"), "x");
        Tool.Signal(daemon.Process.Id, "TERM");
        Assert.True(daemon.Process.WaitForExit(TimeSpan.FromSeconds(20)), "the daemon ignored SIGTERM");
        Assert.Equal(0, daemon.Process.ExitCode);
        Assert.False(Unmounter.IsMountpoint(directory.Mountpoint));
    }

    [Fact]
    public void NewMountClearsTheMountpointOfAKilledDaemon()
    {
        using var directory = TestDirectory.Create();
        using var daemon = Daemon.Start(directory.Mountpoint);
        daemon.Process.Kill();
        daemon.Process.WaitForExit();
        Assert.True(Unmounter.IsStale(directory.Mountpoint), "a killed daemon should leave 'transport endpoint is not connected'");

        using var mount = TestMount.StartOn(directory, new MemoryFileSystem());
        File.WriteAllText(Path.Combine(directory.Mountpoint, "after"), "works");
        Assert.Equal("works", File.ReadAllText(Path.Combine(directory.Mountpoint, "after")));
    }
}
