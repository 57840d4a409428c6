using Bucketfs.Fuse.Mounting;

namespace Bucketfs.Fuse.Tests.Mounts;

/// <summary>A normal user mounts through fusermount3 and uses the mount; others, root included, are kept out.</summary>
[Collection(MountCollection.Name)]
public sealed class UnprivilegedMountTests
{
    [Fact]
    public void NormalUserMountsUsesAndUnmounts()
    {
        var user = ThrowawayUser.Get();
        using var directory = TestDirectory.Create();
        Tool.Run("chown", $"{user.Uid}:{user.Gid}", directory.Path, directory.Mountpoint).Ok();
        using var daemon = Daemon.Start(directory.Mountpoint, user);

        var line = File.ReadLines("/proc/mounts").Single(l => l.Split(' ')[1] == directory.Mountpoint);
        Assert.Contains(" fuse.bucketfs ", line);
        Assert.Contains($"user_id={user.Uid}", line);

        string m = directory.Mountpoint;
        var session = user.Shell($"set -e; mkdir {m}/d; echo hello > {m}/d/f; cp {m}/d/f {m}/g; mv {m}/g {m}/h; cat {m}/h; ls -l {m}/d; stat -c %U {m}/h").Ok();
        Assert.StartsWith("hello\n", session.Stdout);
        Assert.EndsWith($"{ThrowawayUser.Name}\n", session.Stdout);

        // Without allow_other, FUSE keeps every other user out, root too.
        Assert.Throws<UnauthorizedAccessException>(() => Directory.GetFileSystemEntries(m));

        user.Shell($"dotnet {Daemon.CliPath} unmount {m}").Ok();
        Assert.True(daemon.Process.WaitForExit(TimeSpan.FromSeconds(20)), "the daemon did not exit after unmount");
        Assert.False(Unmounter.IsMountpoint(m));
    }
}
