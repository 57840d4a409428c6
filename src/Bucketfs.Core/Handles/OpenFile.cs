using Bucketfs.Core.Namespace;
using Bucketfs.Core.Read;
using Bucketfs.Core.Write;

namespace Bucketfs.Core.Handles;

/// <summary>An open file handle; one closed kind per way its data is served.</summary>
internal abstract class OpenFile
{
    private protected OpenFile(Inode node) => Node = node;

    public Inode Node { get; }
}

/// <summary>Reads one version of the object through a prefetching reader; a version this mount stores replaces it (see Inode.StoredETag).</summary>
internal sealed class ReadingFile(Inode node, ObjectReader reader) : OpenFile(node)
{
    private readonly Lock _lock = new();
    private volatile ObjectReader _reader = reader;

    public ObjectReader Reader => _reader;

    /// <summary>The reader of the version this mount last stored, made by <paramref name="open"/> once, when the one in use reads an older version.</summary>
    public ObjectReader Current(Func<Inode, ObjectReader> open)
    {
        // Every READ asks: the usual answer (nothing newer stored) takes no lock.
        var stored = Node.StoredETag;
        if (stored is null || stored == _reader.ETag) return _reader;
        lock (_lock)
        {
            if (stored == _reader.ETag || stored != Node.Attributes.ETag) return _reader;
            // Chunks leased from the old reader stay valid until their replies are written.
            _reader.Dispose();
            return _reader = open(Node);
        }
    }
}

/// <summary>Reads and writes the inode's staged copy, shared with its other handles.</summary>
internal sealed class StagedHandle(Inode node, StagedFile staged) : OpenFile(node)
{
    public StagedFile Staged { get; } = staged;
}

/// <summary>Read by the kernel itself from a data-cache file registered as <see cref="BackingId"/>.</summary>
internal sealed class PassthroughFile(Inode node, int backingId) : OpenFile(node)
{
    public int BackingId { get; } = backingId;
}
