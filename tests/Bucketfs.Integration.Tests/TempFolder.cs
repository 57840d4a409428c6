namespace Bucketfs.Integration.Tests;

/// <summary>A folder of its own under /tmp/bucketfs-it for one test (a --cache-dir two mounts share), removed with everything in it.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine("/tmp/bucketfs-it", Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
