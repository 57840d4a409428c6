using System.Collections.Concurrent;
using System.Text;
using Bucketfs.Core.Cache;
using Bucketfs.Core.Metadata;
using Bucketfs.Core.Read;
using Bucketfs.Core.Write;
using Bucketfs.Fuse.Protocol;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Namespace;

/// <summary>What the namespace needs to know of files being changed: they show their staged size and metadata, and new ones are listed before they are stored.</summary>
internal interface IStagedView
{
    bool Has(ulong node);

    EntryAttributes Effective(Inode node);

    IEnumerable<Inode> NewFilesIn(ulong directory);
}

/// <summary>
/// The names and attributes the mount shows, and their only owner: node ids the kernel holds,
/// the metadata cache, name resolution by HEAD and listing, relisting of directories in use,
/// listings completed with headers and kept across mounts, and open directory handles. The rest
/// of the core asks it what is there and tells it what changed (Added, Removed, Renamed, Updated).
/// </summary>
internal sealed partial class Names : IStagingNamespace
{
    private readonly IObjectStore _store;
    private readonly FilesystemOptions _options;
    private readonly ILogger _log;
    private readonly IStagedView _staged;
    private readonly InodeTable _inodes = new();
    private readonly MetadataCache _cache;
    private readonly NameResolver _resolver;
    private readonly DirectoryRelisting _relisting;
    private readonly ListingStore? _listings;
    private readonly ListingHeaders _headers;
    private readonly ListingWindows _windows;
    private readonly Action<string> _directoryChanged;
    private readonly DirectoriesBeingFilled _filling;
    private readonly DirectoryShape _shape;
    private readonly AttributeMapper _attributes;
    private readonly FirstBytes _firstBytes;
    private readonly DirectoryPrefetcher? _prefetcher;
    private readonly ConcurrentDictionary<ulong, OpenDirectory> _directories = new();
    private long _nextHandle;

    public Names(IObjectStore store, FilesystemOptions options, IStagedView staged, FirstBytes firstBytes, DataCache? dataCache, DirectoryPrefetcher? prefetcher, Action<string> directoryChanged, ILogger log)
    {
        _store = store;
        _options = options;
        _staged = staged;
        _firstBytes = firstBytes;
        _prefetcher = prefetcher;
        _directoryChanged = directoryChanged;
        _log = log;
        _cache = new MetadataCache(options.MetadataTtl, options.MetadataCacheCapacity, options.Time);
        _resolver = new NameResolver(store, _cache, log);
        _headers = new ListingHeaders(store, _cache, options.ListingHeaders);
        _relisting = new DirectoryRelisting(store, _cache, options.ListPageSize, options.MetadataTtl, options.Relisting, Known, log, _headers);
        _windows = new ListingWindows(store, _cache, options.ListPageSize, options.MetadataTtl, options.Time, Known, log, _headers);
        _attributes = new AttributeMapper(options);
        _filling = new DirectoriesBeingFilled(options.MetadataTtl, options.Time);
        _shape = new DirectoryShape(options.Time);
        // Only a bucket declared unchanging keeps its listings across mounts.
        if (dataCache != null && options.MetadataTtl is null)
            _listings = new ListingStore(CacheLayout.Listings(dataCache.Root), store.Description, log);
    }

    private TimeSpan Ttl => _options.KernelTtl;

    /// <summary>The entry for <paramref name="name"/> in the directory; a missing name is a negative entry, cached for the TTL.</summary>
    internal ValueTask<NodeEntry> LookupAsync(ulong parent, string name, CancellationToken cancellation)
    {
        var directory = DirectoryNode(parent);
        if (Encoding.UTF8.GetByteCount(name) > KeyNames.NameMax) throw new FileSystemException(FileSystemError.NameTooLong);
        if (KeyNames.Invalid(name) != null) return ValueTask.FromResult(Missing);
        string path = directory.DirectoryPrefix + name;
        _store.Limits.RequireKeyFits(path);
        // A file being written here may not be in the bucket yet, or be larger than it is there.
        var child = _inodes.Child(directory.Id, name);
        if (child != null && _staged.Has(child.Id))
            return ValueTask.FromResult(Entry(directory, name, _staged.Effective(child)));
        if (_cache.TryGet(path, out var cached))
        {
            if (cached != null && RevalidatedAlone(directory, child, cached) && !_windows.Serves(directory)) _relisting.Used(directory);
            return ValueTask.FromResult(Entry(directory, name, cached));
        }
        // Answered for this request only: another client may be writing there too.
        if (_filling.Filling(directory.DirectoryPrefix) && _cache.LastKnown(path) is null) return ValueTask.FromResult(NodeEntry.Missing(TimeSpan.Zero));
        // Listed names stay in the cache after they expire, so a name the cache never had is not there.
        if (_cache.IsComplete(directory.DirectoryPrefix) && _cache.LastKnown(path) is null)
        {
            _cache.Learn(path, null, _cache.Now);
            return ValueTask.FromResult(Missing);
        }
        if (_listings != null && _listings.TryFind(directory.DirectoryPrefix, name, out var stored))
        {
            _cache.Learn(path, stored, _cache.Now);
            return ValueTask.FromResult(Entry(directory, name, stored));
        }
        return LookupInStoreAsync(directory, name, child, path, cancellation);
    }

    private async ValueTask<NodeEntry> LookupInStoreAsync(Inode directory, string childName, Inode? child, string path, CancellationToken cancellation)
    {
        var last = _cache.LastKnown(path);
        var (answered, found) = await _windows.LookupAsync(directory, childName, cancellation);
        if (!answered && last != null && RevalidatedAlone(directory, child, last)) (answered, found) = await FromRelisting(directory, path, cancellation);
        if (!answered && Small(directory, last))
        {
            // Pages the kernel keeps from the last open of this version are used again (see Open).
            bool kept = child?.LastOpenedETag == last!.ETag;
            // A HEAD (not a GET with If-None-Match: the SDK makes each 304 an exception, which cost
            // more CPU than the bodies saved) only confirms the object is still that version.
            found = kept ? await _resolver.HeadAsync(path, cancellation) : null;
            if (!kept || found != null && found.ETag != last!.ETag)
                found = await LookupWithBody(path, last, cancellation);
        }
        // A name never seen, in a folder of files whose lookups are followed by opens (an epoch's
        // first pass): one ranged GET answers the lookup and the open, where a HEAD and a GET did.
        else if (!answered && last is null && _firstBytes.Wanted(directory.DirectoryPrefix) && _resolver.GuessesFile(path))
            found = await LookupWithBody(path, null, cancellation);
        if (!answered) found ??= await _resolver.ResolveAsync(path, cancellation);
        // A directory a sample judged plain holds metadata after all: its next listings are described.
        if (found is { Metadata.Count: > 0 }) _headers.Carries(directory.DirectoryPrefix);
        _firstBytes.LookedUp(directory.DirectoryPrefix);
        return Entry(directory, childName, found);
    }

    /// <summary>A small file whose body a lookup may bring along (see FirstBytes).</summary>
    private bool Small(Inode directory, EntryAttributes? attributes) =>
        attributes is { Kind: EntryKind.File } && attributes.Size <= _options.FirstBytes.MostBytes && _firstBytes.Wanted(directory.DirectoryPrefix);

    /// <summary>
    /// Whether a lookup of this name past its TTL would only confirm it with a HEAD: a small file
    /// the kernel has no pages of is better fetched whole with its lookup. Only such names count
    /// toward listing their directory again, so a first pass over a dataset does not.
    /// </summary>
    private bool RevalidatedAlone(Inode directory, Inode? child, EntryAttributes attributes) =>
        !Small(directory, attributes) || child?.LastOpenedETag == attributes.ETag;

    /// <summary>The name as a new listing of its directory shows it (null: gone), when one is made for this lookup (see DirectoryRelisting).</summary>
    private async Task<(bool Answered, EntryAttributes? Found)> FromRelisting(Inode directory, string path, CancellationToken cancellation)
    {
        if (_relisting.ForExpired(directory) is not { } listing) return (false, null);
        await listing.WaitAsync(cancellation);
        if (_cache.TryGet(path, out var found)) return (true, found);
        // Not in a listing that reached the end: gone. A listing that failed answers nothing.
        if (!_cache.IsComplete(directory.DirectoryPrefix)) return (false, null);
        _cache.Learn(path, null, _cache.Now);
        return (true, null);
    }

    /// <summary>
    /// A lookup that also fetches a small file's body (or a larger one's first bytes) for the open
    /// expected next; null when it found no file (or no trustworthy one). For a name seen before,
    /// the whole object as it was, unranged; for a new one, a range as long as a body kept may be.
    /// </summary>
    private async Task<EntryAttributes?> LookupWithBody(string path, EntryAttributes? last, CancellationToken cancellation)
    {
        // One byte more than last seen, so the buffer is never empty.
        int length = (int)Math.Min(last is null ? long.MaxValue : last.Size + 1, _options.FirstBytes.MostBytes);
        long since = _cache.Now;
        if (_firstBytes.Rent(length) is not { } buffer) return null;
        ObjectStart? start;
        try
        {
            start = last is null
                ? await _store.ReadFirstAsync(path, buffer.Memory[..length], cancellation)
                : await _store.HeadAndReadAsync(path, buffer.Memory[..length], cancellation);
        }
        catch
        {
            _firstBytes.Discard(buffer, length);
            throw;
        }
        // An unranged answer has nothing to check its length against but what the version had:
        // the same ETag with another size is a cut answer, and the lookup asks with a HEAD instead.
        if (start is null || last != null && start.Info.ETag == last.ETag && start.Info.Size != last.Size)
        {
            _firstBytes.Discard(buffer, length);
            return null;
        }
        var attributes = EntryAttributes.FromObject(start.Info);
        _cache.Learn(path, attributes, since);
        if (last is null) _resolver.Found(path, attributes);
        _firstBytes.Keep(path, attributes.ETag, buffer, length, start.Read);
        return attributes;
    }

    private NodeEntry Missing => NodeEntry.Missing(_options.MetadataTtl ?? Ttl);

    private NodeEntry Entry(Inode directory, string childName, EntryAttributes? found) =>
        found is null ? Missing : Remember(directory, childName, found);

    /// <summary>The kernel drops <paramref name="count"/> references to a node (FORGET).</summary>
    internal void Forget(ulong node, ulong count) => _inodes.Forget(node, count);

    internal ValueTask<NodeAttr> GetAttrAsync(ulong node, CancellationToken cancellation)
    {
        var inode = Node(node);
        if (inode.Id == InodeTable.RootId) return ValueTask.FromResult(Attr(inode));
        // Unlinked or replaced through this mount while the kernel still holds it (an open file's fstat): as it was, with no links.
        if (_inodes.Child(inode.ParentId, inode.Name) != inode)
        {
            var unlinked = Attr(inode);
            return ValueTask.FromResult(unlinked with { Attr = unlinked.Attr with { Nlink = 0 } });
        }
        if (_staged.Has(inode.Id)) return ValueTask.FromResult(Attr(inode));
        if (_cache.TryGet(inode.Path, out var cached))
        {
            if (cached is null || cached.Kind != inode.Kind) throw new FileSystemException(FileSystemError.NotFound);
            inode.Attributes = cached;
            return ValueTask.FromResult(Attr(inode));
        }
        return RefreshAttributes(inode, cancellation);
    }

    private async ValueTask<NodeAttr> RefreshAttributes(Inode inode, CancellationToken cancellation)
    {
        var current = await _resolver.ResolveAsync(inode.Path, cancellation);
        if (current is null || current.Kind != inode.Kind) throw new FileSystemException(FileSystemError.NotFound);
        inode.Attributes = current;
        return Attr(inode);
    }

    internal NodeAttr Attr(Inode inode) => new(Shown(inode.DirectoryPrefix, _attributes.Map(inode.Id, _staged.Effective(inode))), Ttl);

    /// <summary>A directory's attributes with its link count and the changes this mount made in it (see DirectoryShape).</summary>
    private FuseAttr Shown(string directoryPrefix, FuseAttr attr) =>
        (attr.Mode & S3fsMetadata.TypeMask) == S3fsMetadata.DirectoryType ? _shape.Shown(directoryPrefix, attr) : attr;

    internal async Task<byte[]> ReadLinkAsync(ulong node, CancellationToken cancellation)
    {
        var inode = Node(node);
        if (inode.Kind != EntryKind.Symlink) throw new FileSystemException(FileSystemError.InvalidArgument);
        var target = new byte[Math.Min(inode.Attributes.Size, 4096)];
        int n = await _store.ReadAsync(inode.Path, 0, target, inode.Attributes.ETag, cancellation);
        return target[..n];
    }

    private NodeEntry Remember(Inode parent, string name, EntryAttributes attributes)
    {
        var inode = _inodes.Remember(parent, name, attributes);
        return new NodeEntry(inode.Id, Shown(inode.DirectoryPrefix, _attributes.Map(inode)), Ttl);
    }

    internal Inode Node(ulong id) => _inodes.Find(id) ?? throw new FileSystemException(FileSystemError.Stale);

    internal Inode DirectoryNode(ulong id)
    {
        var node = Node(id);
        return node.Kind == EntryKind.Directory ? node : throw new FileSystemException(FileSystemError.NotDirectory);
    }

    internal Inode? Child(ulong directory, string name) => _inodes.Child(directory, name);

    public int Count => _inodes.Count;

    internal Task<EntryAttributes?> ResolveAsync(string path, CancellationToken cancellation) => _resolver.ResolveAsync(path, cancellation);

    /// <summary>The object's current version, asked of the store whatever is cached.</summary>
    internal Task<EntryAttributes?> HeadAsync(string path, CancellationToken cancellation) => _resolver.HeadAsync(path, cancellation);

    /// <summary>The x-amz-meta-* of a path while what is cached of it is fresh and came from its headers.</summary>
    internal IReadOnlyDictionary<string, string>? FreshMetadata(string path) => _cache.TryGet(path, out var cached) ? cached?.Metadata : null;

    /// <summary>
    /// The version an open of the node reads: what the cache says within the TTL (counting toward
    /// relisting its directory), else what a relisting or a HEAD finds; every read insists on it.
    /// </summary>
    internal async ValueTask<EntryAttributes> OpenedVersionAsync(Inode inode, CancellationToken cancellation)
    {
        var parent = _inodes.Find(inode.ParentId);
        if (_cache.TryGet(inode.Path, out var attributes) && attributes?.Kind == inode.Kind)
        {
            if (parent != null && RevalidatedAlone(parent, inode, attributes)) _relisting.Used(parent);
        }
        else if (parent != null && await FromRelisting(parent, inode.Path, cancellation) is (true, var relisted))
        {
            attributes = relisted?.Kind == inode.Kind ? relisted : throw new FileSystemException(FileSystemError.NotFound);
        }
        else
        {
            attributes = await _resolver.HeadAsync(inode.Path, cancellation) ?? throw new FileSystemException(FileSystemError.NotFound);
        }
        inode.Attributes = attributes;
        return attributes;
    }

    /// <summary>A name this mount created (the object stored, or staged to be): its entry, counting one kernel reference.</summary>
    internal (Inode Node, NodeEntry Entry) Added(Inode directory, string name, EntryAttributes attributes)
    {
        _listings?.Forget(directory.DirectoryPrefix);
        _headers.Carries(directory.DirectoryPrefix);
        _filling.Added(directory.DirectoryPrefix);
        Changed(directory);
        if (attributes.Kind == EntryKind.Directory) _shape.Subdirectories(directory.DirectoryPrefix, +1);
        _cache.Set(directory.DirectoryPrefix + name, attributes);
        // A new file, never a node the kernel may still hold of a name gone meanwhile (open, deleted by another client).
        _inodes.Unlink(directory.Id, name);
        var entry = Remember(directory, name, attributes);
        return (_inodes.Find(entry.NodeId)!, entry);
    }

    /// <summary>A directory this mount just made is empty: lookups in it need not ask the store while the mount fills it (unpacking an archive).</summary>
    internal void MadeEmpty(string path) => _filling.Made(path + "/");

    internal void Removed(Inode directory, string name)
    {
        _listings?.Forget(directory.DirectoryPrefix);
        Changed(directory);
        if (_cache.LastKnown(directory.DirectoryPrefix + name)?.Kind == EntryKind.Directory) _shape.Subdirectories(directory.DirectoryPrefix, -1);
        _inodes.Unlink(directory.Id, name);
        _cache.SetMissing(directory.DirectoryPrefix + name);
    }

    /// <summary>Before a rename changes the bucket: listings kept of the directories involved (of all, for a directory) are stale from the first copy on.</summary>
    internal void Renaming(Inode from, Inode to, bool directory)
    {
        if (directory)
        {
            _listings?.ForgetAll();
            return;
        }
        _listings?.Forget(from.DirectoryPrefix);
        _listings?.Forget(to.DirectoryPrefix);
    }

    /// <summary>A rename is done: the node moves, and the new name holds <paramref name="moved"/> when that is known.</summary>
    internal void Renamed(Inode from, string name, Inode to, string newName, EntryAttributes? moved, bool directory)
    {
        string fromPath = from.DirectoryPrefix + name, toPath = to.DirectoryPrefix + newName;
        Changed(from);
        Changed(to);
        if (directory)
        {
            _shape.Uncounted(from.DirectoryPrefix);
            _shape.Uncounted(to.DirectoryPrefix);
            _cache.ForgetBelow(fromPath + "/");
            _cache.ForgetBelow(toPath + "/");
        }
        _inodes.Move(from.Id, name, to, newName);
        _cache.SetMissing(fromPath);
        if (moved is null) _cache.Forget(toPath);
        else _cache.Set(toPath, moved);
        // A copy may be a new version (a multipart one): handles reading the file read on in it.
        if (moved != null && !directory && _inodes.Child(to.Id, newName) is { } node)
        {
            node.Attributes = moved;
            node.StoredETag = moved.ETag;
        }
        _headers.Carries(to.DirectoryPrefix);
        _cache.MarkIncomplete(to.DirectoryPrefix);
    }

    /// <summary>This mount created, removed or renamed an entry of the directory: its times move, here and in its marker.</summary>
    private void Changed(Inode directory)
    {
        _shape.Changed(directory.DirectoryPrefix);
        _directoryChanged(directory.Path);
    }

    /// <summary>The times the directory at <paramref name="path"/> shows, with this mount's changes in it; null when this mount no longer knows it.</summary>
    internal (UnixTime Mtime, UnixTime Ctime)? ShownTimes(string path)
    {
        if (_cache.LastKnown(path) is not { Kind: EntryKind.Directory } known) return null;
        var attr = _shape.Shown(path + "/", _attributes.Map(0, known));
        return (attr.MtimeValue, attr.CtimeValue);
    }

    /// <summary>The directory's marker now keeps the times it shows (see MarkerTimes); what it shows stays.</summary>
    internal void TimesKept(string path, EntryAttributes kept)
    {
        _cache.Set(path, kept);
        ulong id = InodeTable.RootId;
        foreach (string name in path.Split('/'))
            if (_inodes.Child(id, name) is { } child) id = child.Id;
            else return;
        _inodes.Find(id)!.Attributes = kept;
    }

    /// <summary>The node's metadata was replaced in the store (chmod, chown, utimens, xattrs).</summary>
    internal void Updated(Inode inode, EntryAttributes updated)
    {
        inode.Attributes = updated;
        // Only the metadata changed: handles reading the object read on in the new version.
        inode.StoredETag = updated.ETag;
        if (inode.Kind == EntryKind.Directory) _shape.TimesStored(inode.DirectoryPrefix);
        // The mount's root has no object and no name: its attributes live on the node alone.
        if (inode.Id == InodeTable.RootId) return;
        _cache.Set(inode.Path, updated);
        _headers.Carries(inode.ParentPrefix);
    }

    Task<EntryAttributes?> IStagingNamespace.CurrentAsync(Inode node, CancellationToken cancellation) => _resolver.HeadAsync(node.Path, cancellation);

    Dictionary<string, string> IStagingNamespace.StartingMetadata(Inode node, EntryAttributes? current)
    {
        var attr = _attributes.Map(node.Id, current ?? node.Attributes);
        return S3fsMetadata.For(attr.Mode, attr.Uid, attr.Gid, UnixTime.Now, current?.Metadata);
    }

    void IStagingNamespace.Stored(Inode node, EntryAttributes stored)
    {
        node.Attributes = stored;
        node.StoredETag = stored.ETag;
        _cache.Set(node.Path, stored);
        _headers.Carries(node.ParentPrefix);
        _listings?.Forget(node.ParentPrefix);
    }
}
