using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Core.Cache;

/// <summary>
/// The open .data and .blocks files of one cached object, shared by every handle on it in this
/// process, and what this process knows of its blocks: which are counted as present, and which it
/// has verified (or written itself) through these very handles, so need no checking again.
/// </summary>
internal sealed class ObjectFiles : IDisposable
{
    private readonly int _headerLength;
    private int _reportedBadBlock;

    private ObjectFiles(string dataPath, SafeFileHandle data, SafeFileHandle blocks, int headerLength, BlockGeometry geometry)
    {
        DataPath = dataPath;
        Data = data;
        Blocks = blocks;
        _headerLength = headerLength;
        Geometry = geometry;
        Present = new BlockBits(geometry.BlockCount);
        Verified = new BlockBits(geometry.BlockCount);
    }

    public string DataPath { get; }
    public SafeFileHandle Data { get; }
    public SafeFileHandle Blocks { get; }
    public BlockGeometry Geometry { get; }

    /// <summary>Blocks whose record says present (as read at open, or stored since): what the budget counts.</summary>
    public BlockBits Present { get; }

    /// <summary>Blocks whose bytes in <see cref="Data"/> are known right.</summary>
    public BlockBits Verified { get; }

    /// <summary>Bytes of the blocks in <see cref="Present"/> when opened.</summary>
    public long PresentBytes { get; private set; }

    /// <summary>
    /// Opens the object's pair, creating it as needed. Both files are opened with O_CREAT but not
    /// O_EXCL and the header is the same whoever writes it, so another mount may be doing the same
    /// at the same moment. A sidecar describing anything else is replaced by a new pair.
    /// </summary>
    public static ObjectFiles Open(string root, ObjectId id, string bucket, string key, string etag, BlockGeometry geometry)
    {
        Directory.CreateDirectory(CacheLayout.Folder(root, id));
        string blocksPath = CacheLayout.BlocksPath(root, id);
        string dataPath = CacheLayout.DataPath(root, id);
        byte[] header = BlockSidecar.Header(bucket, key, etag, geometry);
        SafeFileHandle? blocks = null, data = null;
        try
        {
            // The sidecar first: a .data found without its .blocks is always a leftover.
            blocks = OpenShared(blocksPath);
            if (!BlockSidecar.Adopt(blocks, header))
            {
                // Unlinked rather than rewritten in place: whoever has the old pair open keeps
                // files that agree with each other.
                blocks.Dispose();
                CacheLayout.Delete(root, id);
                blocks = OpenShared(blocksPath);
                if (!BlockSidecar.Adopt(blocks, header)) throw new IOException($"{blocksPath} changed while being created");
            }
            data = OpenShared(dataPath);
            // Only a new file is short: extending it keeps every byte another mount wrote.
            if (RandomAccess.GetLength(data) != geometry.Size) RandomAccess.SetLength(data, geometry.Size);
            var files = new ObjectFiles(dataPath, data, blocks, header.Length, geometry);
            files.PresentBytes = BlockSidecar.ReadPresent(blocks, header.Length, geometry, files.Present);
            return files;
        }
        catch
        {
            blocks?.Dispose();
            data?.Dispose();
            throw;
        }
    }

    public bool ReadRecord(int block, out uint crc)
    {
        Span<byte> record = stackalloc byte[BlockSidecar.RecordSize];
        crc = 0;
        return FileRead.Fully(Blocks, record, BlockSidecar.RecordOffset(_headerLength, block)) == record.Length
            && BlockSidecar.IsPresent(record, out crc);
    }

    /// <summary>Marks a block present; its bytes must already be in <see cref="Data"/>.</summary>
    public void WriteRecord(int block, uint crc)
    {
        Span<byte> record = stackalloc byte[BlockSidecar.RecordSize];
        BlockSidecar.Encode(record, crc);
        RandomAccess.Write(Blocks, record, BlockSidecar.RecordOffset(_headerLength, block));
    }

    public void ClearRecord(int block)
    {
        Span<byte> record = stackalloc byte[BlockSidecar.RecordSize];
        record.Clear();
        RandomAccess.Write(Blocks, record, BlockSidecar.RecordOffset(_headerLength, block));
    }

    /// <summary>
    /// Bad blocks are expected after a crash (a record that reached the disk before its data) and
    /// come in runs, so only the first of an object is worth a warning.
    /// </summary>
    public void ReportBadBlock(int block, ILogger log)
    {
        if (Interlocked.Exchange(ref _reportedBadBlock, 1) == 0)
            log.CachedBlockCorrupt(block, DataPath);
        else
            log.LogDebug("Cached block {Block} of {Path} does not match its checksum; dropped", block, DataPath);
    }

    private static SafeFileHandle OpenShared(string path) =>
        File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);

    public void Dispose()
    {
        Data.Dispose();
        Blocks.Dispose();
    }
}
