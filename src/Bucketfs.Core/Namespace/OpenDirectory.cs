using Bucketfs.Core.Metadata;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// An open directory handle: a position (0 ".", 1 "..", then listing entries in order) that is
/// also the offset READDIR resumes from, so offsets stay stable. The kernel often resumes a little
/// behind where the last reply ended (the reader's buffer was full); the most recent entries are
/// kept to replay from, and only a seek further back starts the listing again.
/// </summary>
internal sealed class OpenDirectory(Inode node, Func<DirectoryListing> startListing, Func<long> now)
{
    private const int HistoryLimit = 4096;
    private const long FirstEntry = 2;
    private readonly List<(string Name, EntryAttributes Attributes)> _history = [];
    private long _historyStart = FirstEntry;
    private DirectoryListing _listing = startListing();

    /// <summary>Where the metadata cache's history stood when the listing began: what it shows yields to later changes (see MetadataCache.Learn).</summary>
    public long ListingStarted { get; private set; } = now();

    public Inode Node { get; } = node;

    /// <summary>READDIR calls on one handle are serialized by the kernel; this makes sure of it.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public long Position { get; private set; }

    /// <summary>Paths listed through this handle, whose attributes are trusted from when the listing ends.</summary>
    public List<string> Listed { get; } = [];

    /// <summary>Entries seen, in listing order, for the prefetcher and the listing store (kept only when there is one).</summary>
    public List<(string Name, EntryAttributes Attributes)> Entries { get; } = [];

    /// <summary>The entries came from a stored listing, not from the store.</summary>
    public bool Stored { get; init; }

    /// <summary>The listing reached the end of the directory.</summary>
    public bool Complete { get; private set; }

    private long HistoryEnd => _historyStart + _history.Count;

    /// <summary>The entry at <see cref="Position"/>, or null at the end of the directory.</summary>
    public async ValueTask<(string Name, EntryAttributes Attributes)?> PeekAsync(CancellationToken cancellation)
    {
        if (Position < FirstEntry) return (Position == 0 ? "." : "..", EntryAttributes.Directory);
        if (Position < HistoryEnd) return _history[(int)(Position - _historyStart)];
        var next = await _listing.PeekAsync(cancellation).ConfigureAwait(false);
        if (next is null) Complete = true;
        return next;
    }

    /// <summary>Moves past the entry <see cref="PeekAsync"/> returned.</summary>
    public void Advance((string Name, EntryAttributes Attributes) entry)
    {
        if (Position >= HistoryEnd && Position >= FirstEntry)
        {
            _listing.Advance();
            _history.Add(entry);
            // Trimmed in blocks, so keeping history costs nothing per entry.
            if (_history.Count >= 2 * HistoryLimit)
            {
                _history.RemoveRange(0, HistoryLimit);
                _historyStart += HistoryLimit;
            }
        }
        Position++;
    }

    public async Task SeekAsync(long offset, CancellationToken cancellation)
    {
        if (offset == Position) return;
        if (offset >= _historyStart && offset <= HistoryEnd || offset < FirstEntry && _historyStart == FirstEntry)
        {
            Position = offset;
            return;
        }
        _listing = startListing();
        ListingStarted = now();
        _history.Clear();
        _historyStart = FirstEntry;
        Position = 0;
        while (Position < offset && await PeekAsync(cancellation).ConfigureAwait(false) is { } entry) Advance(entry);
    }
}
