using System.Text;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// Keys kept for the end of a run in a temporary file rather than in memory (a sync may have
/// millions to delete). Keys are length-prefixed: a key may hold a line break.
/// </summary>
internal sealed class KeySpool : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"bucketfs-keys-{Environment.ProcessId}-{Guid.NewGuid():N}");
    private readonly BinaryWriter _writer;

    public KeySpool() => _writer = new BinaryWriter(new FileStream(_path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.DeleteOnClose), Encoding.UTF8);

    public long Count { get; private set; }

    public void Add(string key)
    {
        lock (_lock)
        {
            _writer.Write(key);
            Count++;
        }
    }

    /// <summary>The keys added, in order; adding ends here.</summary>
    public IEnumerable<string> Keys()
    {
        lock (_lock) _writer.Flush();
        using var reader = new BinaryReader(new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16), Encoding.UTF8);
        for (long i = 0; i < Count; i++) yield return reader.ReadString();
    }

    public void Dispose() => _writer.Dispose();
}
