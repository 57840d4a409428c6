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

/// <summary>Reads one version of the object through a prefetching reader.</summary>
internal sealed class ReadingFile(Inode node, ObjectReader reader) : OpenFile(node)
{
    public ObjectReader Reader { get; } = reader;
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
