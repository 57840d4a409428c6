using Bucketfs.Core.Metadata;

namespace Bucketfs.Core.Namespace;

/// <summary>Directory handles: listings served to READDIR and READDIRPLUS, and what a whole listing teaches.</summary>
internal sealed partial class Names
{
    internal ulong OpenDirectory(ulong node)
    {
        var directory = DirectoryNode(node);
        ulong handle = (ulong)Interlocked.Increment(ref _nextHandle);
        var stored = _listings?.Load(directory.DirectoryPrefix);
        _directories[handle] = stored is null
            ? new OpenDirectory(directory, () => new DirectoryListing(_store, directory.DirectoryPrefix, _options.ListPageSize, Unlisted(directory), _log, _headers), () => _cache.Now)
            : new OpenDirectory(directory, () => DirectoryListing.FromStored(_store, directory.DirectoryPrefix, stored, _log), () => _cache.Now) { Stored = true };
        return handle;
    }

    /// <summary>Hands the directory's entries from <paramref name="offset"/> to <paramref name="sink"/> until it takes no more.</summary>
    internal async Task ReadDirectoryAsync(ulong handle, long offset, bool plus, DirectorySink sink, CancellationToken cancellation)
    {
        if (!_directories.TryGetValue(handle, out var open)) throw new FileSystemException(FileSystemError.BadHandle);
        await open.Gate.WaitAsync(cancellation);
        try
        {
            await FillDirectory(open, offset, plus, sink, cancellation);
            _windows.Listed(open.Node, open.Listed.Count);
        }
        finally
        {
            open.Gate.Release();
        }
    }

    private async Task FillDirectory(OpenDirectory open, long offset, bool plus, DirectorySink sink, CancellationToken cancellation)
    {
        await open.SeekAsync(offset, cancellation);
        var directory = open.Node;
        while (await open.PeekAsync(cancellation) is { } next)
        {
            var (name, listed) = next;
            bool dots = open.Position < 2;
            // A page fetched before this mount changed the name says less than the change: the change shows, a removal hides it.
            EntryAttributes? changed = null;
            if (!dots && _cache.ChangedSince(directory.DirectoryPrefix + name, open.ListingStarted, out changed) && changed is null)
            {
                open.Advance(next);
                continue;
            }
            var attributes = dots ? listed : changed ?? Known(directory, name, listed);
            ulong nextOffset = (ulong)open.Position + 1;
            if (plus && !dots)
            {
                // The reference is taken first and handed back if the entry does not fit, so the
                // kernel's count and ours agree.
                var entry = Remember(directory, name, attributes);
                if (!sink(name, entry, nextOffset))
                {
                    _inodes.Forget(entry.NodeId, 1);
                    return;
                }
            }
            else
            {
                var attr = Shown(dots ? directory.DirectoryPrefix : directory.DirectoryPrefix + name + "/", _attributes.Map(dots ? directory.Id : DirentIno(directory, name, open.Position), attributes));
                if (!sink(name, new NodeEntry(0, attr, Ttl), nextOffset)) return;
            }
            if (!dots)
            {
                string path = directory.DirectoryPrefix + name;
                _cache.Learn(path, attributes, open.ListingStarted);
                open.Listed.Add(path);
                if (_prefetcher != null || _listings != null) open.Entries.Add((name, attributes));
            }
            open.Advance(next);
        }
    }

    /// <summary>
    /// A listing carries no metadata: what a HEAD showed of the same version (s3fs mode, owner, a
    /// symlink's type) stays, however long ago, since only a new version can change what a listing
    /// shows; and a file being written here shows its staged size.
    /// </summary>
    private EntryAttributes Known(Inode directory, string name, EntryAttributes listed)
    {
        var node = _inodes.Child(directory.Id, name);
        if (node != null && _staged.Has(node.Id)) return _staged.Effective(node);
        if (_cache.LastKnown(directory.DirectoryPrefix + name) is { } last && Richer(last, listed)) return last;
        return node != null && Richer(node.Attributes, listed) ? node.Attributes : listed;
    }

    private static bool Richer(EntryAttributes? known, EntryAttributes listed) =>
        known is { Metadata: not null }
        && (listed.Kind == EntryKind.Directory ? known.Kind == EntryKind.Directory : known.SameVersion(listed));

    /// <summary>Files created here whose upload has not happened yet: the listing cannot show them.</summary>
    private List<(string Name, EntryAttributes Attributes)> Unlisted(Inode directory) =>
        [.. _staged.NewFilesIn(directory.Id).Select(node => (node.Name, _staged.Effective(node)))];

    /// <summary>
    /// The inode number a plain READDIR entry shows: the node's id when the kernel knows it, else a
    /// number that never equals one (its top bit set) and is never 0 (readdir(3) skips those). It
    /// grows with the entry's place in the listing: du and find sort a large directory's entries by
    /// inode number before they stat them, and in name order their lookups are answered a listing
    /// page at a time (see ListingWindows) where in a hash's order each costs a HEAD.
    /// </summary>
    private ulong DirentIno(Inode directory, string name, long position)
    {
        if (_inodes.Child(directory.Id, name) is { } known) return known.Id;
        // FNV-1a over the directory, so entries of different directories rarely share numbers.
        uint hash = 2166136261;
        foreach (char c in directory.DirectoryPrefix) hash = (hash ^ c) * 16777619;
        return 1UL << 63 | (ulong)(hash & 0x7FFF_FFFF) << 32 | (uint)position;
    }

    internal void ReleaseDirectory(ulong handle)
    {
        // A listing is one snapshot: its entries are trusted for the TTL from when it ends, so a
        // long `ls -l` does not find its first entries expired and ask the store for each again.
        if (!_directories.TryRemove(handle, out var open)) return;
        // Marked first, so the directory is never complete for longer than its entries are fresh.
        if (open.Complete) _cache.MarkComplete(open.Node.DirectoryPrefix, open.Listed.Count);
        _cache.Refresh(open.Listed);
        if (!open.Complete) return;
        _shape.Listed(open.Node.DirectoryPrefix, open.Listed.Distinct().Count(path => _cache.LastKnown(path)?.Kind == EntryKind.Directory));
        _prefetcher?.Listed(open.Node.DirectoryPrefix, open.Entries);
        if (!open.Stored) _listings?.Save(open.Node.DirectoryPrefix, open.Entries);
    }
}
