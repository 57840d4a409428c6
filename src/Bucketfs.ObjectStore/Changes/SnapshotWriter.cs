using System.Text;
using Bucketfs.ObjectStore.Transfer;

namespace Bucketfs.ObjectStore.Changes;

/// <summary>
/// Writes a new snapshot beside the old one under a temporary name; <see cref="Commit"/> makes it
/// the snapshot in one rename after it is on disk, and disposing without committing leaves the old
/// one as it was: a run that fails sees the same changes again.
/// </summary>
public sealed class SnapshotWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temporary;
    private readonly FileStream _file;
    private readonly BinaryWriter _writer;
    private byte[] _previous = [];
    private bool _done;

    public SnapshotWriter(string path, string location)
    {
        _path = Path.GetFullPath(path);
        _temporary = $"{_path}.tmp-{Environment.ProcessId}";
        _file = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        _writer = new BinaryWriter(_file, Encoding.UTF8);
        _writer.Write(SnapshotFormat.Magic);
        _writer.Write(SnapshotFormat.Version);
        _writer.Write(location);
    }

    public long Count { get; private set; }

    public void Add(ObjectInfo item)
    {
        byte[] key = Encoding.UTF8.GetBytes(item.Key);
        int shared = key.AsSpan().CommonPrefixLength(_previous);
        _writer.Write(SnapshotFormat.EntryTag);
        _writer.Write7BitEncodedInt(shared);
        _writer.Write7BitEncodedInt(key.Length - shared);
        _writer.Write(key, shared, key.Length - shared);
        _writer.Write7BitEncodedInt64(item.Size);
        _writer.Write7BitEncodedInt64(item.LastModified.ToUnixTimeSeconds());
        if (ContentHash.Md5OfETag(item.ETag) is { } md5)
        {
            _writer.Write(SnapshotFormat.Md5ETag);
            _writer.Write(Convert.FromHexString(md5));
        }
        else
        {
            _writer.Write(SnapshotFormat.TextETag);
            _writer.Write(item.ETag);
        }
        _previous = key;
        Count++;
    }

    /// <summary>Ends the file, puts it on disk and renames it over the snapshot.</summary>
    public void Commit()
    {
        _writer.Write(SnapshotFormat.EndTag);
        _writer.Write(Count);
        _writer.Flush();
        _file.Flush(flushToDisk: true);
        _writer.Dispose();
        File.Move(_temporary, _path, overwrite: true);
        _done = true;
    }

    public void Dispose()
    {
        if (_done) return;
        _writer.Dispose();
        File.Delete(_temporary);
        _done = true;
    }
}
