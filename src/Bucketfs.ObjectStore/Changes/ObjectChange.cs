namespace Bucketfs.ObjectStore.Changes;

public enum ChangeKind
{
    Added,
    Changed,
    Deleted,
}

/// <summary>An object added or changed (as listed now) or deleted (as the snapshot had it) since a snapshot.</summary>
public sealed record ObjectChange(ChangeKind Kind, ObjectInfo Object);
