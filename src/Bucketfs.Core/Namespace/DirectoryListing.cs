using Bucketfs.Core.Metadata;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// The entries of one directory, streamed a listing page at a time so a huge directory is never
/// held whole. Directories come from common prefixes and from s3fs's legacy "name_$folder$"
/// markers; a file whose name is also a directory is hidden (the directory wins), which needs a
/// file to wait until the listing has passed "name/": only names that are prefixes of the current
/// key can still be waiting, so that buffer stays small. Files being created here that the bucket
/// does not have yet come at the end, unless the listing showed them meanwhile. With
/// <paramref name="headers"/>, each page is completed with what only headers say before it is shown.
/// </summary>
internal sealed class DirectoryListing(IObjectStore store, string prefix, int pageSize, List<(string Name, EntryAttributes Attributes)> unlisted, ILogger log, ListingHeaders? headers = null)
{
    private readonly Queue<(string Name, EntryAttributes Attributes)> _ready = new();
    private readonly List<(string Name, EntryAttributes Attributes)> _waiting = [];
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private string? _continuation;
    private bool _done;
    private string? _startAfter;
    private bool _onePage;

    /// <summary>
    /// One page of the listing, begun after the name <paramref name="startAfter"/> (relative to the
    /// directory): what it yields is all there is between that name and <see cref="Through"/>.
    /// </summary>
    public static DirectoryListing OnePage(IObjectStore store, string prefix, string startAfter, int pageSize, ILogger log, ListingHeaders? headers) =>
        new(store, prefix, pageSize, [], log, headers) { _startAfter = startAfter, _onePage = true };

    /// <summary>
    /// For <see cref="OnePage"/>: the last name of the page (a directory's with its "/"), null when
    /// the page reached the end of the directory. A file whose "name/" sorts after it may still be
    /// hidden by a directory on the next page, so it is not yielded.
    /// </summary>
    public string? Through { get; private set; }

    /// <summary>A listing kept from before (see ListingStore): served without asking the store.</summary>
    public static DirectoryListing FromStored(IObjectStore store, string prefix, List<(string Name, EntryAttributes Attributes)> entries, ILogger log)
    {
        var listing = new DirectoryListing(store, prefix, 0, [], log) { _done = true };
        foreach (var entry in entries) listing._ready.Enqueue(entry);
        return listing;
    }

    /// <summary>The next entry, or null at the end of the directory.</summary>
    public async ValueTask<(string Name, EntryAttributes Attributes)?> PeekAsync(CancellationToken cancellation)
    {
        while (_ready.Count == 0 && !_done) await FetchPageAsync(cancellation).ConfigureAwait(false);
        return _ready.Count > 0 ? _ready.Peek() : null;
    }

    public void Advance() => _ready.Dequeue();

    private async Task FetchPageAsync(CancellationToken cancellation)
    {
        var page = _startAfter is { } after
            ? await store.ListAfterAsync(prefix, "/", prefix + after, pageSize, cancellation).ConfigureAwait(false)
            : await store.ListAsync(prefix, "/", _continuation, pageSize, cancellation).ConfigureAwait(false);
        if (headers != null) await headers.DescribeAsync(prefix, page, cancellation).ConfigureAwait(false);
        int o = 0, p = 0;
        while (o < page.Objects.Count || p < page.CommonPrefixes.Count)
        {
            bool takeObject = p == page.CommonPrefixes.Count
                || o < page.Objects.Count && string.CompareOrdinal(page.Objects[o].Key, page.CommonPrefixes[p]) < 0;
            if (takeObject) AddObject(page.Objects[o++]);
            else AddPrefix(page.CommonPrefixes[p++]);
        }
        _continuation = page.Continuation;
        if (_onePage && _continuation != null)
        {
            _done = true;
            Through = page.Objects.Count + page.CommonPrefixes.Count == 0 ? _startAfter : LastName(page)[prefix.Length..];
            return;
        }
        if (_continuation is null)
        {
            _done = true;
            ReleaseWaiting(null);
            foreach (var entry in unlisted)
                if (!_seen.Contains(entry.Name)) _ready.Enqueue(entry);
        }
    }

    private static string LastName(ListPage page) =>
        page.CommonPrefixes.Count == 0 ? page.Objects[^1].Key
        : page.Objects.Count == 0 ? page.CommonPrefixes[^1]
        : string.CompareOrdinal(page.Objects[^1].Key, page.CommonPrefixes[^1]) > 0 ? page.Objects[^1].Key : page.CommonPrefixes[^1];

    private void AddObject(ObjectInfo info)
    {
        string rest = info.Key[prefix.Length..];
        ReleaseWaiting(rest);
        if (rest.Length == 0) return; // the directory's own marker
        if (rest.EndsWith(KeyNames.LegacyFolderSuffix, StringComparison.Ordinal))
        {
            AddDirectory(rest[..^KeyNames.LegacyFolderSuffix.Length], info.Key);
            return;
        }
        if (!Valid(rest, info.Key)) return;
        _waiting.Add((rest, EntryAttributes.FromListing(info)));
        if (unlisted.Count > 0) _seen.Add(rest);
    }

    private void AddPrefix(string commonPrefix)
    {
        string rest = commonPrefix[prefix.Length..];
        ReleaseWaiting(rest);
        string name = rest[..^1];
        int hidden = _waiting.FindIndex(w => w.Name == name);
        if (hidden >= 0)
        {
            log.FileAndDirectory(prefix + name);
            _waiting.RemoveAt(hidden);
        }
        AddDirectory(name, commonPrefix);
    }

    private void AddDirectory(string name, string key)
    {
        if (!Valid(name, key) || !_directories.Add(name)) return;
        _ready.Enqueue((name, EntryAttributes.Directory));
    }

    /// <summary>Files whose "name/" would sort before <paramref name="current"/> can no longer be hidden by a directory.</summary>
    private void ReleaseWaiting(string? current)
    {
        int kept = 0;
        for (int i = 0; i < _waiting.Count; i++)
        {
            var entry = _waiting[i];
            if (current is null || string.CompareOrdinal(entry.Name + "/", current) < 0) _ready.Enqueue(entry);
            else _waiting[kept++] = entry;
        }
        _waiting.RemoveRange(kept, _waiting.Count - kept);
    }

    private bool Valid(string name, string key)
    {
        if (KeyNames.Invalid(name) is not { } why) return true;
        log.SkippingKey(key, why);
        return false;
    }
}
