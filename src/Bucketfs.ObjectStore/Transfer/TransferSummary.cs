namespace Bucketfs.ObjectStore.Transfer;

/// <summary>What a copy or sync did. <see cref="Failures"/> holds the first of them with reasons; <see cref="Failed"/> counts all.</summary>
public sealed record TransferSummary(
    long Copied,
    long CopiedBytes,
    long Skipped,
    long Deleted,
    long Failed,
    IReadOnlyList<TransferFailure> Failures,
    long DeletionsHeldBack)
{
    public bool Succeeded => Failed == 0;
}

public sealed record TransferFailure(string Key, string Reason);
