namespace Bucketfs.ObjectStore.Transfer;

/// <summary>How a copy or sync runs; the defaults are rclone's where rclone has the same knob.</summary>
public sealed record TransferOptions
{
    /// <summary>Files copied at once (rclone --transfers).</summary>
    public int Transfers { get; init; } = 4;

    /// <summary>Files compared at once (rclone --checkers): a store's exact mtime takes a HEAD.</summary>
    public int Checkers { get; init; } = 8;

    /// <summary>Parts of one large file moved at once (rclone --multi-thread-streams).</summary>
    public int Streams { get; init; } = 4;

    /// <summary>Files up to this size move in one request; larger ones in parts of this size (more for files over 10,000 parts).</summary>
    public int ChunkSize { get; init; } = 16 << 20;

    /// <summary>Bytes of file data held in memory at once over all transfers.</summary>
    public long MemoryLimit { get; init; } = 512L << 20;

    /// <summary>Compare by MD5 (ETag) and size instead of modification time and size (rclone --checksum).</summary>
    public bool Checksum { get; init; }

    /// <summary>Files up to this size are compared by MD5 where one side states it (an ETag), not by time: cheaper than a HEAD.</summary>
    public long HashBelow { get; init; } = 1 << 20;

    /// <summary>Delete what the destination has and the source does not, after every copy succeeded (rclone sync).</summary>
    public bool Delete { get; init; }

    /// <summary>Decide and report, change nothing.</summary>
    public bool DryRun { get; init; }

    public KeyFilter Filter { get; init; } = KeyFilter.All;

    /// <summary>Only these keys, looked up one by one instead of listing both sides (rclone --files-from).</summary>
    public IAsyncEnumerable<string>? Keys { get; init; }

    /// <summary>Most failures kept with their reasons for the summary (all are counted).</summary>
    public int FailuresKept { get; init; } = 100;

    /// <summary>Two modification times closer than this are the same (stores and file systems keep different precisions).</summary>
    public TimeSpan ModifyWindow { get; init; } = TimeSpan.FromMilliseconds(1);
}
