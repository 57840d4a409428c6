namespace Bucketfs.Core.Read;

/// <summary>When lookups fetch small files' bodies, and how many are kept (see FirstBytes).</summary>
internal sealed record FirstBytesTuning
{
    /// <summary>Largest body fetched with a lookup: the first read would fetch that much anyway.</summary>
    public int MostBytes { get; init; } = 1 << 20;

    /// <summary>How long a body waits for its open before its memory goes back.</summary>
    public TimeSpan KeepFor { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Every lookup with a body keeps one: expired ones are looked for this often, not each time.</summary>
    public TimeSpan SweepEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most bytes of bodies held at once, this cache's share of the memory budget.</summary>
    public long MostHeld { get; init; } = 32L << 20;

    /// <summary>Opens a directory needs (and at least half as many as its lookups) before its lookups fetch bodies.</summary>
    public int OpensBeforeWanted { get; init; } = 4;

    /// <summary>Lookups and opens counted per directory before the counts are halved: recent behaviour counts.</summary>
    public int History { get; init; } = 128;

    /// <summary>Directories whose lookups and opens are counted; beyond this the counts start over.</summary>
    public int MostDirectories { get; init; } = 1024;
}
