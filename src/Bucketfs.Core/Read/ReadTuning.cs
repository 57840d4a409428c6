namespace Bucketfs.Core.Read;

/// <summary>Sizes that shape the read path (see ObjectReader).</summary>
internal sealed record ReadTuning
{
    /// <summary>
    /// A sequential reader's first window and smallest request, and the request size of reads made
    /// while the budget is spent: a reader that stops early has not fetched much it never reads.
    /// </summary>
    public int InitialWindow { get; init; } = 1 << 20;

    /// <summary>Largest prefetch window of one sequential reader; it doubles up to this with every read ahead.</summary>
    public long MaxWindow { get; init; } = 32 << 20;

    /// <summary>
    /// How far a window may grow past <see cref="MaxWindow"/>: it keeps doubling only while reads
    /// find the data they want still on its way (the store's latency times its bandwidth is more
    /// than the window holds), and never past three quarters of the memory budget.
    /// </summary>
    public long LargestWindow { get; init; } = 1L << 30;

    /// <summary>Largest single ranged GET; a window is fetched as requests of a quarter of it up to this.</summary>
    public int MaxRequest { get; init; } = 8 << 20;

    /// <summary>What a random read fetches: the aligned blocks around it, nothing ahead. With a data cache, its block size instead.</summary>
    public int RandomBlock { get; init; } = 256 << 10;

    /// <summary>
    /// How far a read may land outside the window and still count as sequential, and how much is
    /// kept behind the last read: reads arrive slightly out of order with async readahead.
    /// </summary>
    public long SequentialSlack { get; init; } = 4 << 20;

    /// <summary>
    /// Smallest cached file the kernel reads itself. Passthrough costs more to set up (a backing
    /// file per open) than a small file's one READ costs to serve: in one bench run, an epoch of
    /// 100 KiB files from the cache went at 562 files/s with passthrough and 894 without.
    /// </summary>
    public long PassthroughMinimum { get; init; } = 1 << 20;

    /// <summary>With a data cache, random reads fetch whole cache blocks, so what they fetch can be kept.</summary>
    public static ReadTuning From(FilesystemOptions options, int? cacheBlock = null) =>
        cacheBlock is { } block ? options.Read with { RandomBlock = block } : options.Read;
}
