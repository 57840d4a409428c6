namespace Bucketfs.Core.Namespace;

/// <summary>When a directory whose names are in use is listed again (see DirectoryRelisting).</summary>
internal sealed record RelistingTuning
{
    /// <summary>
    /// Uses of a directory's names that pay for one page of its listing. A LIST page costs what
    /// about 12 HEADs do (S3's prices: $0.005 and $0.0004 per 1,000), so a directory is listed again
    /// once the HEADs its names would cost since the last listing pay for it: as in renting skis
    /// until the rent equals the price, never more than twice the cost of the best choice made
    /// knowing the future.
    /// </summary>
    public int UsesPerPage { get; init; } = 12;

    /// <summary>Directories whose uses are counted; beyond this the counts start over.</summary>
    public int MostDirectoriesCounted { get; init; } = 4096;

    /// <summary>Share of the TTL, at its end, in which a use of a fresh name lists its directory again ahead of expiry.</summary>
    public double RenewWithin { get; init; } = 0.5;
}
