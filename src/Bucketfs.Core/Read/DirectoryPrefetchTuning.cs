namespace Bucketfs.Core.Read;

/// <summary>Which directories are fetched into the data cache ahead of their opens, and how (see DirectoryPrefetcher).</summary>
internal sealed record DirectoryPrefetchTuning
{
    /// <summary>Files above this are read by the per-handle window, which already streams them.</summary>
    public long SmallFile { get; init; } = 8L << 20;

    /// <summary>Opens of a directory's small files before the rest are fetched: a program reading through it, not one file looked at.</summary>
    public int OpensBeforePrefetch { get; init; } = 4;

    /// <summary>Directories with more small files than this are not prefetched.</summary>
    public int MostFilesPerDirectory { get; init; } = 200_000;

    /// <summary>Directories whose listings are remembered as candidates; beyond this they start over.</summary>
    public int MostDirectories { get; init; } = 256;

    /// <summary>Files fetched at once: many small GETs in flight reach the store's bandwidth where one round trip per file does not.</summary>
    public int Parallel { get; init; } = 16;
}
