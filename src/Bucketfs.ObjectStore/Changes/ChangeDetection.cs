using System.Runtime.CompilerServices;
using Bucketfs.ObjectStore.Transfer;

namespace Bucketfs.ObjectStore.Changes;

/// <summary>
/// What is new since a snapshot, from listings alone (key, size, ETag, Last-Modified): the old
/// snapshot and the new listing are both in key order and walked side by side, and the new
/// snapshot is written as the listing passes, so memory stays the same for any number of objects.
/// </summary>
public static class ChangeDetection
{
    /// <summary>
    /// Changes between <paramref name="previous"/> and <paramref name="listing"/> (which must be in
    /// <see cref="KeyOrder"/>), each listed object also added to <paramref name="next"/>.
    /// Deletions are yielded only when <paramref name="deletions"/> is set.
    /// </summary>
    public static async IAsyncEnumerable<ObjectChange> CompareAsync(SnapshotReader previous, IAsyncEnumerable<ObjectInfo> listing, SnapshotWriter next, bool deletions, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var old = previous.Next();
        string? last = null;
        await foreach (var item in listing.WithCancellation(cancellation).ConfigureAwait(false))
        {
            if (last != null && KeyOrder.Instance.Compare(last, item.Key) >= 0)
                throw new InvalidOperationException($"the listing is not in key order ('{item.Key}' after '{last}')");
            last = item.Key;
            next.Add(item);
            while (old != null && KeyOrder.Instance.Compare(old.Key, item.Key) < 0)
            {
                if (deletions) yield return new ObjectChange(ChangeKind.Deleted, old);
                old = previous.Next();
            }
            if (old is null || old.Key != item.Key) yield return new ObjectChange(ChangeKind.Added, item);
            else
            {
                if (Differs(old, item)) yield return new ObjectChange(ChangeKind.Changed, item);
                old = previous.Next();
            }
        }
        for (; old != null; old = previous.Next())
            if (deletions) yield return new ObjectChange(ChangeKind.Deleted, old);
    }

    /// <summary>A new version: other bytes (size, ETag) or written again (Last-Modified, in seconds as listings and snapshots keep it).</summary>
    private static bool Differs(ObjectInfo old, ObjectInfo now) =>
        old.Size != now.Size
        || old.ETag.Trim('"') != now.ETag.Trim('"')
        || old.LastModified.ToUnixTimeSeconds() != now.LastModified.ToUnixTimeSeconds();
}
