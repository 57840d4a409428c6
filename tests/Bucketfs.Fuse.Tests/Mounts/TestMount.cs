using Bucketfs.Fuse;
using Bucketfs.Fuse.Mounting;
using Bucketfs.Fuse.Session;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.Fuse.Tests.Mounts;

/// <summary>A filesystem mounted in this process on a fresh directory; Dispose unmounts it even after a failure.</summary>
internal sealed class TestMount : IDisposable
{
    private TestMount(TestDirectory directory, FuseSession session)
    {
        Directory = directory;
        Session = session;
    }

    public TestDirectory Directory { get; }
    public FuseSession Session { get; }
    public string Path => Session.Mountpoint;

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public static TestMount Start(IFuseFileSystem fs)
    {
        var directory = TestDirectory.Create();
        try
        {
            return StartOn(directory, fs);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Mounts on an existing test directory; disposing unmounts and removes it.</summary>
    public static TestMount StartOn(TestDirectory directory, IFuseFileSystem fs) =>
        new(directory, FuseSession.Mount(fs, new MountOptions { Mountpoint = directory.Mountpoint }, new SessionOptions(), NullLogger.Instance));

    public void Dispose()
    {
        try
        {
            Session.Unmount(lazy: false, TimeSpan.FromSeconds(5));
        }
        catch (FuseMountException)
        {
            Session.Unmount(lazy: true);
        }
        Session.Completion.Wait(TimeSpan.FromSeconds(10));
        Session.Dispose();
        Directory.Dispose();
    }
}

/// <summary>A scratch directory with an empty mountpoint inside; removed only once nothing is mounted on it.</summary>
internal sealed class TestDirectory : IDisposable
{
    private const string Root = "/tmp/bucketfs-tests";

    private TestDirectory(string path)
    {
        Path = path;
        Mountpoint = System.IO.Path.Combine(path, "mnt");
        System.IO.Directory.CreateDirectory(Mountpoint);
    }

    public string Path { get; }
    public string Mountpoint { get; }

    public static TestDirectory Create()
    {
        System.IO.Directory.CreateDirectory(Root);
        File.SetUnixFileMode(Root, (UnixFileMode)0x1FF | UnixFileMode.StickyBit);
        return new TestDirectory(System.IO.Path.Combine(Root, Guid.NewGuid().ToString("N")[..12]));
    }

    public void Dispose()
    {
        if (Unmounter.IsMountpoint(Mountpoint) || Unmounter.IsStale(Mountpoint))
        {
            try { Unmounter.Unmount(Mountpoint, lazy: true, TimeSpan.FromSeconds(5)); }
            catch (FuseMountException) { return; }
        }
        if (System.IO.Directory.Exists(Path)) System.IO.Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Mount tests share the kernel and /dev/fuse; running them one at a time keeps failures readable.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MountCollection
{
    public const string Name = "mounts";
}
