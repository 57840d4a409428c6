using System.Collections.Concurrent;
using Bucketfs.Core.Metadata;
using Bucketfs.ObjectStore;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// Completes what a listing cannot say. A listing carries no x-amz-meta-*, so a symlink, a mode,
/// an owner or an mtime kept there (by s3fs, rclone, or this mount) would show as a plain file with
/// defaults until each name is looked up alone. The first listing of a directory asks for the
/// headers of a few of its entries; if none has metadata, the directory holds plain data and its
/// listings are shown as they come (a dataset stays as fast to list as the store is); if one has,
/// every entry whose version this mount has not described yet is asked for, in parallel, before
/// the entries are shown. What is learnt stays with the version (see BucketFileSystem.Known).
/// </summary>
internal sealed class ListingHeaders(IObjectStore store, MetadataCache cache, ListingHeadersTuning tuning)
{
    /// <summary>Per directory prefix: whether its entries carry metadata (judged once per mount from a sample).</summary>
    private readonly ConcurrentDictionary<string, bool> _carriesMetadata = new(StringComparer.Ordinal);

    /// <summary>One listed entry to ask about: the key whose headers describe it and the path it is cached under.</summary>
    private readonly record struct Pending(string Key, string Path, ObjectInfo? Listed);

    public async Task DescribeAsync(string prefix, ListPage page, CancellationToken cancellation)
    {
        long since = cache.Now;
        var pending = Undescribed(prefix, page, out bool knownCarrying);
        if (pending.Count == 0) return;
        // An entry this mount already knows with metadata settles it (a file written or changed here).
        if (knownCarrying) _carriesMetadata[prefix] = true;
        if (!_carriesMetadata.TryGetValue(prefix, out bool carries))
        {
            var sample = Spread(pending, tuning.Sample);
            carries = (await HeadAllAsync(sample, since, cancellation).ConfigureAwait(false)) > 0;
            _carriesMetadata[prefix] = carries;
            pending = pending.Except(sample).ToList();
        }
        if (carries) await HeadAllAsync(pending, since, cancellation).ConfigureAwait(false);
    }

    /// <summary>This mount stored an object with metadata in the directory: its later listings are described whatever a sample said.</summary>
    public void Carries(string prefix) => _carriesMetadata[prefix] = true;

    /// <summary>The page's entries whose headers this mount has not read for the listed version; <paramref name="knownCarrying"/>: one it has read carries metadata.</summary>
    private List<Pending> Undescribed(string prefix, ListPage page, out bool knownCarrying)
    {
        var pending = new List<Pending>();
        knownCarrying = false;
        // A name that is both a file and a directory shows the directory (see DirectoryListing):
        // the file's headers must not decide what the name is.
        var directories = page.CommonPrefixes.Count == 0 ? null : new HashSet<string>(page.CommonPrefixes.Select(common => common[..^1]), StringComparer.Ordinal);
        foreach (var info in page.Objects)
        {
            string rest = info.Key[prefix.Length..];
            if (rest.Length == 0 || rest.EndsWith(KeyNames.LegacyFolderSuffix, StringComparison.Ordinal) || directories?.Contains(info.Key) == true) continue;
            if (cache.LastKnown(info.Key) is { Metadata: { } metadata } known && known.SameVersion(EntryAttributes.FromListing(info)))
                knownCarrying |= metadata.Count > 0;
            else
                pending.Add(new Pending(info.Key, info.Key, info));
        }
        foreach (string common in page.CommonPrefixes)
        {
            string path = common[..^1];
            if (cache.LastKnown(path) is { Kind: EntryKind.Directory, Metadata: { } metadata })
                knownCarrying |= metadata.Count > 0;
            else
                pending.Add(new Pending(common, path, null));
        }
        return pending;
    }

    /// <summary>Entries spread over the page, so a sample is not all of one kind that sorts together.</summary>
    private static List<Pending> Spread(List<Pending> pending, int count)
    {
        if (pending.Count <= count) return pending;
        return [.. Enumerable.Range(0, count).Select(i => pending[i * pending.Count / count])];
    }

    /// <summary>Asks for each entry's headers and caches what they say; returns how many carried metadata.</summary>
    private async Task<int> HeadAllAsync(List<Pending> pending, long since, CancellationToken cancellation)
    {
        int carrying = 0;
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = tuning.Parallelism, CancellationToken = cancellation }, async (entry, token) =>
        {
            ObjectInfo? info;
            try
            {
                info = await store.HeadAsync(entry.Key, token).ConfigureAwait(false);
            }
            catch (ObjectStoreException)
            {
                // The listing is still right without the headers: its entries show with defaults.
                return;
            }
            if (info is { Metadata.Count: > 0 }) Interlocked.Increment(ref carrying);
            var metadata = info?.Metadata ?? ObjectInfo.EmptyMetadata;
            if (entry.Listed is null)
                cache.Learn(entry.Path, EntryAttributes.Directory with { ETag = info?.ETag ?? "", Metadata = metadata }, since);
            else if (info != null)
                cache.Learn(entry.Path, EntryAttributes.FromObject(info) with { Metadata = metadata }, since);
        }).ConfigureAwait(false);
        return carrying;
    }
}

/// <summary>How listings are completed with headers (see ListingHeaders).</summary>
internal sealed record ListingHeadersTuning
{
    /// <summary>Entries of a directory's first listing asked for, to judge whether its entries carry metadata: one round trip of parallel HEADs.</summary>
    public int Sample { get; init; } = 8;

    /// <summary>HEADs at once while describing a listing page whose entries carry metadata.</summary>
    public int Parallelism { get; init; } = 32;
}
