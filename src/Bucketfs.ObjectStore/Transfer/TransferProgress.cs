using System.Collections.Concurrent;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// Live counters of a running copy, for a progress view to read at any moment: files and bytes
/// found to copy and done, checks, and the transfers under way (at most one per transfer worker).
/// </summary>
public sealed class TransferProgress
{
    private long _filesQueued, _filesDone, _bytesQueued, _bytesDone, _checked, _skipped, _failed, _deleted;
    private volatile bool _listingDone;

    public long FilesQueued => Interlocked.Read(ref _filesQueued);
    public long FilesDone => Interlocked.Read(ref _filesDone);
    public long BytesQueued => Interlocked.Read(ref _bytesQueued);
    public long BytesDone => Interlocked.Read(ref _bytesDone);
    public long Checked => Interlocked.Read(ref _checked);
    public long Skipped => Interlocked.Read(ref _skipped);
    public long Failed => Interlocked.Read(ref _failed);
    public long Deleted => Interlocked.Read(ref _deleted);

    /// <summary>Every file has been compared: the queued totals are final.</summary>
    public bool ListingDone => _listingDone;

    public ConcurrentDictionary<string, ActiveTransfer> Active { get; } = new();

    internal void Queued(long bytes)
    {
        Interlocked.Increment(ref _filesQueued);
        Interlocked.Add(ref _bytesQueued, bytes);
    }

    internal void Checks() => Interlocked.Increment(ref _checked);
    internal void Skip() => Interlocked.Increment(ref _skipped);
    internal void Fail() => Interlocked.Increment(ref _failed);
    internal void Delete() => Interlocked.Increment(ref _deleted);
    internal void Done() => Interlocked.Increment(ref _filesDone);
    internal void Moved(long bytes) => Interlocked.Add(ref _bytesDone, bytes);
    internal void EndListing() => _listingDone = true;
}

/// <summary>One file being copied: its size and how much of it has moved.</summary>
public sealed class ActiveTransfer(string key, long size)
{
    private long _done;

    public string Key => key;
    public long Size => size;
    public long Done => Interlocked.Read(ref _done);

    internal void Moved(long bytes) => Interlocked.Add(ref _done, bytes);
}
