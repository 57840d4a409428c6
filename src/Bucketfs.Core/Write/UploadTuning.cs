namespace Bucketfs.Core.Write;

/// <summary>Sizes and delays that shape uploads (see Uploader, StreamingUpload, UploadRetries).</summary>
internal sealed record UploadTuning
{
    /// <summary>Largest file sent with one PUT; larger ones go up as multipart uploads, parts in parallel and unchanged parts copied in the store.</summary>
    public long SinglePutLimit { get; init; } = 16L << 20;

    /// <summary>Most parts of one file in flight at once.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>Most bytes of one file's parts in flight at once: parts in flight are held in memory, so fewer at once when parts are large.</summary>
    public long PartMemory { get; init; } = 64L << 20;

    /// <summary>A streamed upload's part size for its first thousand parts, doubling every thousand after, so 10,000 parts hold 5 TiB.</summary>
    public long FirstStreamedPart { get; init; } = 8L << 20;

    /// <summary>First wait before a failed upload of a closed file is tried again; it doubles with every failure.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between tries of a failed upload.</summary>
    public TimeSpan LongestRetryDelay { get; init; } = TimeSpan.FromSeconds(60);
}
