namespace Bucketfs.Core.Cache;

/// <summary>Where the data cache lives and how much of the disk it may take.</summary>
public sealed record DataCacheOptions(string Directory)
{
    /// <summary>Most bytes of object data kept, over every object.</summary>
    public long MaxBytes { get; init; } = 10L << 30;

    /// <summary>Free space left on the cache's filesystem: the cache shrinks rather than fill the disk.</summary>
    public long MinFreeBytes { get; init; } = 1L << 30;

    /// <summary>The unit of caching and of verification: a block is stored, checked and served whole.</summary>
    public int BlockSize { get; init; } = 1 << 20;

    /// <summary>Most objects indexed at once; each costs a little memory whatever its size.</summary>
    public int MaxObjects { get; init; } = 1_000_000;
}
