using System.Runtime.CompilerServices;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>A key as the source and the destination have it; either may be missing (not yet looked up when both are, for --files-from).</summary>
internal sealed record Pair(string Key, TransferEntry? Source, TransferEntry? Destination);

/// <summary>
/// Two listings in <see cref="KeyOrder"/> walked side by side: one entry of each in memory, so a
/// tree of any size is compared in constant memory.
/// </summary>
internal static class Pairing
{
    public static async IAsyncEnumerable<Pair> MergeAsync(IAsyncEnumerable<TransferEntry> source, IAsyncEnumerable<TransferEntry> destination, [EnumeratorCancellation] CancellationToken cancellation)
    {
        await using var left = Ordered(source, "source", cancellation).GetAsyncEnumerator(cancellation);
        await using var right = Ordered(destination, "destination", cancellation).GetAsyncEnumerator(cancellation);
        bool hasLeft = await left.MoveNextAsync().ConfigureAwait(false);
        bool hasRight = await right.MoveNextAsync().ConfigureAwait(false);
        while (hasLeft || hasRight)
        {
            int order = !hasLeft ? 1 : !hasRight ? -1 : KeyOrder.Instance.Compare(left.Current.Key, right.Current.Key);
            if (order < 0)
            {
                yield return new Pair(left.Current.Key, left.Current, null);
                hasLeft = await left.MoveNextAsync().ConfigureAwait(false);
            }
            else if (order > 0)
            {
                yield return new Pair(right.Current.Key, null, right.Current);
                hasRight = await right.MoveNextAsync().ConfigureAwait(false);
            }
            else
            {
                yield return new Pair(left.Current.Key, left.Current, right.Current);
                hasLeft = await left.MoveNextAsync().ConfigureAwait(false);
                hasRight = await right.MoveNextAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Leaves out a folder only the destination has when the source has something in it, so a sync
    /// does not delete the marker of a folder it keeps (a local source lists only empty folders, a
    /// store source may have none). Everything in a folder follows its key, so this holds only the
    /// folders around the current key.
    /// </summary>
    public static async IAsyncEnumerable<Pair> KeepingFoldersInUseAsync(IAsyncEnumerable<Pair> pairs, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var pending = new Stack<Pair>();
        await foreach (var pair in pairs.WithCancellation(cancellation).ConfigureAwait(false))
        {
            while (pending.Count > 0 && !pair.Key.StartsWith(pending.Peek().Key, StringComparison.Ordinal)) yield return pending.Pop();
            if (pair.Source != null) pending.Clear();
            else if (pair.Destination != null && TransferEntry.IsFolderKey(pair.Key))
            {
                pending.Push(pair);
                continue;
            }
            yield return pair;
        }
        while (pending.Count > 0) yield return pending.Pop();
    }

    /// <summary>A listing out of order would pair wrongly (and delete wrongly): it is an error instead.</summary>
    public static async IAsyncEnumerable<TransferEntry> Ordered(IAsyncEnumerable<TransferEntry> listing, string side, [EnumeratorCancellation] CancellationToken cancellation)
    {
        string? previous = null;
        await foreach (var entry in listing.WithCancellation(cancellation).ConfigureAwait(false))
        {
            if (previous != null && KeyOrder.Instance.Compare(previous, entry.Key) >= 0)
                throw new InvalidOperationException($"the {side} listing is not in key order ('{entry.Key}' after '{previous}')");
            previous = entry.Key;
            yield return entry;
        }
    }
}
