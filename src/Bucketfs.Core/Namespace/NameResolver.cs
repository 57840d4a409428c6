using Bucketfs.Core.Metadata;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// What a single path is in the bucket: a directory if any key lies under "path/" (a marker
/// included) or s3fs's "path_$folder$" exists, else a file if the object exists. The HEAD and the
/// one-key listing go out together, so a lookup costs one round trip (two for a directory with a marker),
/// except in a folder whose names have been files: there the HEAD goes alone, as s3fs's does.
/// </summary>
internal sealed class NameResolver(IObjectStore store, MetadataCache cache, ILogger log)
{
    private readonly SingleFlight<EntryAttributes?> _inFlight = new();
    private readonly FolderContents _folders = new();

    /// <summary>
    /// Lookups of one name that arrive together share one resolution: when names expire, a job's
    /// threads all look up the same folders at once (measured: 6 HEAD+LIST pairs per folder per
    /// second in an 8-thread epoch). A caller that gives up stops waiting, not the others.
    /// </summary>
    public Task<EntryAttributes?> ResolveAsync(string path, CancellationToken cancellation)
    {
        if (cache.TryGet(path, out var cached)) return Task.FromResult(cached);
        // Bounded by the store's own call timeouts; no single caller's cancellation ends it.
        return _inFlight.Run(path, (Self: this, Path: path), static s => s.Self.ResolveInStoreAsync(s.Path, CancellationToken.None)).WaitAsync(cancellation);
    }

    private async Task<EntryAttributes?> ResolveInStoreAsync(string path, CancellationToken cancellation)
    {
        long since = cache.Now;
        // A name that was a file a moment ago almost always still is: its HEAD alone answers, one
        // request instead of two (a directory appearing under the same name shows after the TTL).
        if (cache.LastKnown(path)?.Kind is EntryKind.File or EntryKind.Symlink or EntryKind.Special
            && await store.HeadAsync(path, cancellation).ConfigureAwait(false) is { } file)
        {
            var attributes = EntryAttributes.FromObject(file);
            cache.Learn(path, attributes, since);
            return attributes;
        }
        // Likewise a directory: keys still under it answer alone, since a directory hides a file of its name.
        if (cache.LastKnown(path)?.Kind is EntryKind.Directory
            && await store.ListAsync(path + "/", null, null, 1, cancellation).ConfigureAwait(false) is { } still
            && (still.Objects.Count > 0 || still.CommonPrefixes.Count > 0))
        {
            var attributes = await DirectoryAsync(path, still, cancellation).ConfigureAwait(false);
            cache.Learn(path, attributes, since);
            return attributes;
        }
        // In a folder of files (a dataset's), a name never seen is a file too: its HEAD alone answers,
        // where the listing beside it cost a second request per file, and a LIST costs the store and
        // the user more than a HEAD. Should the HEAD find nothing, the listing follows.
        string folder = FolderOf(path);
        bool guessed = _folders.HoldsFiles(folder);
        if (guessed && await store.HeadAsync(path, cancellation).ConfigureAwait(false) is { } seen)
        {
            var attributes = EntryAttributes.FromObject(seen);
            cache.Learn(path, attributes, since);
            _folders.Resolved(folder, attributes.Kind);
            return attributes;
        }
        var head = guessed ? Task.FromResult<ObjectInfo?>(null) : store.HeadAsync(path, cancellation);
        var below = store.ListAsync(path + "/", null, null, 1, cancellation);
        await Task.WhenAll(head, below).ConfigureAwait(false);
        var info = await head.ConfigureAwait(false);
        var page = await below.ConfigureAwait(false);

        EntryAttributes? found;
        if (page.Objects.Count > 0 || page.CommonPrefixes.Count > 0)
        {
            if (info != null) log.FileAndDirectory(path);
            found = await DirectoryAsync(path, page, cancellation).ConfigureAwait(false);
        }
        else if (info != null)
        {
            found = EntryAttributes.FromObject(info);
        }
        else
        {
            // A legacy marker too long for a key cannot exist; the store refuses to be asked (HTTP 400).
            found = store.Limits.KeyFits(path, KeyNames.LegacyFolderSuffix)
                && await store.HeadAsync(path + KeyNames.LegacyFolderSuffix, cancellation).ConfigureAwait(false) is not null
                ? EntryAttributes.Directory : null;
        }
        cache.Learn(path, found, since);
        if (found != null) _folders.Resolved(folder, found.Kind);
        return found;
    }

    /// <summary>Whether a name never seen is taken for a file first: its folder's last names were files.</summary>
    public bool GuessesFile(string path) => cache.LastKnown(path) is null && _folders.HoldsFiles(FolderOf(path));

    /// <summary>A file found in the store by the caller (with its first bytes), as a resolution here would have.</summary>
    public void Found(string path, EntryAttributes attributes) => _folders.Resolved(FolderOf(path), attributes.Kind);

    private static string FolderOf(string path) => path.LastIndexOf('/') is var slash and >= 0 ? path[..slash] : "";

    /// <summary>A directory known to have no marker: nothing more to learn of it.</summary>
    private static readonly EntryAttributes Unmarked = EntryAttributes.Directory with { Metadata = ObjectInfo.EmptyMetadata };

    /// <summary>
    /// A directory's mode, owner and mtime live on its "path/" marker, as s3fs keeps them. The
    /// marker sorts first under the prefix, so the one-key listing shows whether there is one.
    /// </summary>
    private async Task<EntryAttributes> DirectoryAsync(string path, ListPage below, CancellationToken cancellation)
    {
        string marker = path + "/";
        if (below.Objects.Count == 0 || below.Objects[0].Key != marker) return Unmarked;
        var info = await store.HeadAsync(marker, cancellation).ConfigureAwait(false);
        return info is null ? Unmarked : EntryAttributes.Directory with { ETag = info.ETag, Metadata = info.Metadata };
    }

    /// <summary>The object's current version, asked of the store even if the cache has an answer.</summary>
    public async Task<EntryAttributes?> HeadAsync(string path, CancellationToken cancellation)
    {
        long since = cache.Now;
        var info = await store.HeadAsync(path, cancellation).ConfigureAwait(false);
        if (info is null)
        {
            cache.Unlearn(path, since);
            return null;
        }
        var attributes = EntryAttributes.FromObject(info);
        cache.Learn(path, attributes, since);
        return attributes;
    }
}
