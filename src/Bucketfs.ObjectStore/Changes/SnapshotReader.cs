using System.Text;

namespace Bucketfs.ObjectStore.Changes;

/// <summary>Reads a snapshot one object at a time; a missing file is an empty snapshot (the first run sees everything as added).</summary>
public sealed class SnapshotReader : IDisposable
{
    private readonly BinaryReader? _reader;
    private byte[] _key = new byte[256];
    private int _keyLength;

    public SnapshotReader(string path, string location)
    {
        if (!File.Exists(path)) return;
        _reader = new BinaryReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20), Encoding.UTF8);
        try
        {
            if (_reader.ReadString() != SnapshotFormat.Magic || _reader.ReadInt32() != SnapshotFormat.Version)
                throw new InvalidDataException($"{path} is not a bucketfs snapshot");
            string made = _reader.ReadString();
            if (made != location) throw new InvalidDataException($"{path} is the state of {made}, not of {location}");
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path} is not a bucketfs snapshot");
        }
        catch
        {
            _reader.Dispose();
            throw;
        }
    }

    /// <summary>The next object, or null at the end.</summary>
    public ObjectInfo? Next()
    {
        if (_reader is null || _reader.ReadByte() == SnapshotFormat.EndTag) return null;
        int shared = _reader.Read7BitEncodedInt();
        int rest = _reader.Read7BitEncodedInt();
        if (_key.Length < shared + rest) Array.Resize(ref _key, Math.Max(shared + rest, _key.Length * 2));
        _reader.BaseStream.ReadExactly(_key, shared, rest);
        _keyLength = shared + rest;
        long size = _reader.Read7BitEncodedInt64();
        var lastModified = DateTimeOffset.FromUnixTimeSeconds(_reader.Read7BitEncodedInt64());
        // An MD5 ETag comes back quoted, as listings give it.
        string etag = _reader.ReadByte() == SnapshotFormat.Md5ETag ? $"\"{Convert.ToHexStringLower(_reader.ReadBytes(16))}\"" : _reader.ReadString();
        return new ObjectInfo(Encoding.UTF8.GetString(_key, 0, _keyLength), size, etag, lastModified);
    }

    public void Dispose() => _reader?.Dispose();
}
