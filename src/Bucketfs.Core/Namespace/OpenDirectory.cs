namespace Bucketfs.Core.Namespace;

/// <summary>
/// An open directory handle: a position (0 ".", 1 "..", then listing entries in order) that is
/// also the offset READDIR resumes from, so offsets stay stable. Seeking anywhere but the current
/// position starts the listing again and skips forward.
/// </summary>
internal sealed class OpenDirectory(Inode node, Func<DirectoryListing> startListing)
{
    public Inode Node { get; } = node;

    /// <summary>READDIR calls on one handle are serialized by the kernel; this makes sure of it.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public long Position { get; set; }

    public DirectoryListing Listing { get; private set; } = startListing();

    public async Task SeekAsync(long offset, CancellationToken cancellation)
    {
        if (offset == Position) return;
        Listing = startListing();
        Position = 0;
        while (Position < offset)
        {
            if (Position >= 2)
            {
                if (await Listing.PeekAsync(cancellation) is null) return;
                Listing.Advance();
            }
            Position++;
        }
    }
}
