using System.Text;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;

namespace Bucketfs.MemoryFs;

/// <summary>
/// A complete read-write filesystem held in memory: the FUSE layer's test bed and the reference
/// for how a filesystem answers each request. One lock guards everything; it is a model, not a
/// store. Hard links are refused with EPERM.
/// </summary>
public sealed class MemoryFileSystem : IFuseFileSystem
{
    private const int NameMax = 255;
    private const int OTrunc = 0x200;
    private const int XattrCreate = 1, XattrReplace = 2;
    private const uint RenameNoReplace = 1, RenameExchange = 2;
    private const int SeekData = 3, SeekHole = 4;

    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, MemoryNode> _nodes = [];
    private readonly Dictionary<ulong, List<(string Name, MemoryNode Node)>> _listings = [];
    private readonly TimeSpan _timeout;
    private ulong _nextId = 2;
    private ulong _nextListing = 1;

    public MemoryFileSystem(uint ownerUid = 0, uint ownerGid = 0, TimeSpan? cacheTimeout = null)
    {
        _timeout = cacheTimeout ?? TimeSpan.FromSeconds(1);
        var root = new MemoryNode(1, MemoryNode.Directory | 0x1ED, ownerUid, ownerGid) { Lookups = 1 };
        _nodes[1] = root;
    }

    /// <summary>Nodes the kernel may still name: lets tests check FORGET accounting.</summary>
    public int LiveNodeCount { get { lock (_lock) return _nodes.Count; } }

    public ValueTask Lookup(FuseRequest request, ulong parent, FuseName name)
    {
        lock (_lock)
        {
            var directory = Directory(parent);
            if (name.Length > NameMax) return request.ReplyError(Errno.ENAMETOOLONG);
            Span<char> key = stackalloc char[name.Length];
            var lookup = directory.Children!.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(Latin1(name, key), out var child))
                return request.ReplyEntry(FuseEntry.Negative(_timeout));
            return request.ReplyEntry(Remember(child));
        }
    }

    public void Forget(ReadOnlySpan<FuseForgetOne> forgets)
    {
        lock (_lock)
        {
            foreach (var forget in forgets)
            {
                if (!_nodes.TryGetValue(forget.NodeId, out var node)) continue;
                node.Lookups -= Math.Min(node.Lookups, forget.Lookups);
                DropIfUnused(node);
            }
        }
    }

    public ValueTask GetAttr(FuseRequest request, ulong node, ulong? handle)
    {
        lock (_lock) return request.ReplyAttr(Node(node).Attributes(), _timeout);
    }

    public ValueTask SetAttr(FuseRequest request, ulong node, SetAttrRequest change)
    {
        lock (_lock)
        {
            var n = Node(node);
            if (change.Has(SetAttrValid.Size))
            {
                if (n.IsDirectory) return request.ReplyError(Errno.EISDIR);
                if (n.Content is null) return request.ReplyError(Errno.EINVAL);
                n.Content.SetLength((long)change.Size);
                n.Touch();
            }
            if (change.Has(SetAttrValid.Mode)) n.Mode = (n.Mode & MemoryNode.TypeMask) | (change.Mode & 0xFFF);
            if (change.Has(SetAttrValid.Uid)) n.Uid = change.Uid;
            if (change.Has(SetAttrValid.Gid)) n.Gid = change.Gid;
            var now = UnixTime.Now;
            if (change.Has(SetAttrValid.AtimeNow)) n.Atime = now;
            else if (change.Has(SetAttrValid.Atime)) n.Atime = change.Atime;
            if (change.Has(SetAttrValid.MtimeNow)) n.Mtime = now;
            else if (change.Has(SetAttrValid.Mtime)) n.Mtime = change.Mtime;
            n.Ctime = change.Has(SetAttrValid.Ctime) ? change.Ctime : now;
            return request.ReplyAttr(n.Attributes(), _timeout);
        }
    }

    public ValueTask ReadLink(FuseRequest request, ulong node)
    {
        lock (_lock)
        {
            var n = Node(node);
            if ((n.Mode & MemoryNode.TypeMask) != MemoryNode.Symlink) return request.ReplyError(Errno.EINVAL);
            return request.ReplyData(n.SymlinkTarget);
        }
    }

    public ValueTask Symlink(FuseRequest request, ulong parent, FuseName name, FuseName target)
    {
        lock (_lock)
        {
            if (!TryCreate(request, parent, name, MemoryNode.Symlink | 0x1FF, out var node, out int errno))
                return request.ReplyError(errno);
            node.SymlinkTarget = target.Span.ToArray();
            return request.ReplyEntry(Remember(node));
        }
    }

    public ValueTask MkNod(FuseRequest request, ulong parent, FuseName name, uint mode, uint rdev, uint umask)
    {
        lock (_lock)
        {
            if (!TryCreate(request, parent, name, mode, out var node, out int errno)) return request.ReplyError(errno);
            node.Rdev = rdev;
            return request.ReplyEntry(Remember(node));
        }
    }

    public ValueTask MkDir(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask)
    {
        lock (_lock)
        {
            if (!TryCreate(request, parent, name, MemoryNode.Directory | (mode & 0xFFF), out var node, out int errno))
                return request.ReplyError(errno);
            return request.ReplyEntry(Remember(node));
        }
    }

    public ValueTask Unlink(FuseRequest request, ulong parent, FuseName name) => Remove(request, parent, name, directory: false);

    public ValueTask RmDir(FuseRequest request, ulong parent, FuseName name) => Remove(request, parent, name, directory: true);

    public ValueTask Rename(FuseRequest request, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags)
    {
        lock (_lock)
        {
            if ((flags & ~(RenameNoReplace | RenameExchange)) != 0) return request.ReplyError(Errno.EINVAL);
            if (newName.Length > NameMax) return request.ReplyError(Errno.ENAMETOOLONG);
            var from = Directory(parent);
            var to = Directory(newParent);
            string oldKey = Latin1(name), newKey = Latin1(newName);
            if (!from.Children!.TryGetValue(oldKey, out var moving)) return request.ReplyError(Errno.ENOENT);
            if (moving.IsDirectory && IsAncestorOrSelf(moving, to)) return request.ReplyError(Errno.EINVAL);
            to.Children!.TryGetValue(newKey, out var replaced);
            if (replaced == moving) return request.ReplyOk();

            if ((flags & RenameExchange) != 0)
            {
                if (replaced is null) return request.ReplyError(Errno.ENOENT);
                if (replaced.IsDirectory && IsAncestorOrSelf(replaced, from)) return request.ReplyError(Errno.EINVAL);
                from.Detach(oldKey, moving);
                to.Detach(newKey, replaced);
                to.Attach(newKey, moving);
                from.Attach(oldKey, replaced);
                return request.ReplyOk();
            }
            if (replaced != null)
            {
                if ((flags & RenameNoReplace) != 0) return request.ReplyError(Errno.EEXIST);
                if (moving.IsDirectory && !replaced.IsDirectory) return request.ReplyError(Errno.ENOTDIR);
                if (!moving.IsDirectory && replaced.IsDirectory) return request.ReplyError(Errno.EISDIR);
                if (replaced.IsDirectory && replaced.Children!.Count > 0) return request.ReplyError(Errno.ENOTEMPTY);
                to.Detach(newKey, replaced);
                DropIfUnused(replaced);
            }
            from.Detach(oldKey, moving);
            to.Attach(newKey, moving);
            return request.ReplyOk();
        }
    }

    public ValueTask Link(FuseRequest request, ulong node, ulong newParent, FuseName newName) => request.ReplyError(Errno.EPERM);

    public ValueTask Open(FuseRequest request, ulong node, int flags)
    {
        lock (_lock)
        {
            var n = Node(node);
            if (n.IsDirectory) return request.ReplyError(Errno.EISDIR);
            if ((flags & OTrunc) != 0 && n.Content is { } content)
            {
                content.SetLength(0);
                n.Touch();
            }
            n.OpenHandles++;
            return request.ReplyOpen(node);
        }
    }

    public ValueTask Create(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask, int flags)
    {
        lock (_lock)
        {
            if (!TryCreate(request, parent, name, MemoryNode.Regular | (mode & 0xFFF), out var node, out int errno))
                return request.ReplyError(errno);
            node.OpenHandles++;
            return request.ReplyCreate(Remember(node), node.Id);
        }
    }

    public ValueTask Read(FuseRequest request, ulong node, ulong handle, long offset, int size)
    {
        lock (_lock)
        {
            var n = Node(node);
            if (n.Content is null) return request.ReplyError(Errno.EISDIR);
            int read = n.Content.Read(offset, request.ReplyBuffer(size));
            return request.ReplyBuffered(read);
        }
    }

    public ValueTask Write(FuseRequest request, ulong node, ulong handle, long offset, FuseData data, uint writeFlags)
    {
        lock (_lock)
        {
            var n = Node(node);
            if (n.Content is null) return request.ReplyError(Errno.EISDIR);
            n.Content.Write(offset, data.Span);
            n.Touch();
            return request.ReplyWrite(data.Length);
        }
    }

    public ValueTask Flush(FuseRequest request, ulong node, ulong handle, ulong lockOwner) => request.ReplyOk();

    public ValueTask Fsync(FuseRequest request, ulong node, ulong handle, bool dataOnly) => request.ReplyOk();

    public ValueTask Release(FuseRequest request, ulong node, ulong handle, int flags)
    {
        lock (_lock)
        {
            if (_nodes.TryGetValue(node, out var n))
            {
                n.OpenHandles--;
                DropIfUnused(n);
            }
            return request.ReplyOk();
        }
    }

    public ValueTask StatFs(FuseRequest request, ulong node)
    {
        lock (_lock)
        {
            long used = _nodes.Values.Sum(n => n.Content?.AllocatedBytes ?? 0) / 4096;
            const ulong total = 1UL << 28;
            return request.ReplyStatfs(new FuseStatfs
            {
                Blocks = total,
                BlocksFree = total - (ulong)used,
                BlocksAvailable = total - (ulong)used,
                Files = 1UL << 32,
                FilesFree = (1UL << 32) - (ulong)_nodes.Count,
                BlockSize = 4096,
                FragmentSize = 4096,
                NameMax = NameMax,
            });
        }
    }

    public ValueTask Access(FuseRequest request, ulong node, int mask) => request.ReplyOk();

    public ValueTask OpenDir(FuseRequest request, ulong node, int flags)
    {
        lock (_lock)
        {
            var directory = Directory(node);
            // A snapshot per open directory keeps offsets stable while entries come and go.
            var listing = new List<(string, MemoryNode)>(directory.Children!.Count + 2) { (".", directory), ("..", directory.Parent ?? directory) };
            foreach (var (name, child) in directory.Children) listing.Add((name, child));
            ulong handle = _nextListing++;
            _listings[handle] = listing;
            return request.ReplyOpen(handle);
        }
    }

    public ValueTask ReadDir(FuseRequest request, ulong node, ulong handle, ulong offset, bool plus)
    {
        lock (_lock)
        {
            if (!_listings.TryGetValue(handle, out var listing)) return request.ReplyError(Errno.EBADF);
            var buffer = request.Directory;
            Span<byte> name = stackalloc byte[NameMax];
            for (int i = (int)Math.Min(offset, (ulong)listing.Count); i < listing.Count; i++)
            {
                var (key, child) = listing[i];
                var bytes = name[..Encoding.Latin1.GetBytes(key, name)];
                bool dots = i < 2;
                if (!plus)
                {
                    if (!buffer.Add(bytes, child.Id, child.Mode, (ulong)i + 1)) break;
                    continue;
                }
                // A deleted child has left the node table: give its name without a lookup.
                var entry = dots || !_nodes.ContainsKey(child.Id)
                    ? new FuseEntry { Attr = child.Attributes() }
                    : Describe(child);
                if (!buffer.AddPlus(bytes, entry, (ulong)i + 1)) break;
                if (entry.NodeId != 0) child.Lookups++;
            }
            return request.ReplyDirectory();
        }
    }

    public ValueTask ReleaseDir(FuseRequest request, ulong node, ulong handle)
    {
        lock (_lock) _listings.Remove(handle);
        return request.ReplyOk();
    }

    public ValueTask GetXattr(FuseRequest request, ulong node, FuseName name, int size)
    {
        lock (_lock)
        {
            if (!Node(node).Xattrs.TryGetValue(Latin1(name), out var value)) return request.ReplyError(Errno.ENODATA);
            if (size == 0) return request.ReplyXattrSize(value.Length);
            if (size < value.Length) return request.ReplyError(Errno.ERANGE);
            return request.ReplyData(value);
        }
    }

    public ValueTask SetXattr(FuseRequest request, ulong node, FuseName name, FuseData value, int flags)
    {
        lock (_lock)
        {
            var n = Node(node);
            string key = Latin1(name);
            bool exists = n.Xattrs.ContainsKey(key);
            if ((flags & XattrCreate) != 0 && exists) return request.ReplyError(Errno.EEXIST);
            if ((flags & XattrReplace) != 0 && !exists) return request.ReplyError(Errno.ENODATA);
            n.Xattrs[key] = value.Span.ToArray();
            n.Touch(modified: false);
            return request.ReplyOk();
        }
    }

    public ValueTask ListXattr(FuseRequest request, ulong node, int size)
    {
        lock (_lock)
        {
            var names = new List<byte>();
            foreach (string key in Node(node).Xattrs.Keys)
            {
                names.AddRange(Encoding.Latin1.GetBytes(key));
                names.Add(0);
            }
            if (size == 0) return request.ReplyXattrSize(names.Count);
            if (size < names.Count) return request.ReplyError(Errno.ERANGE);
            return request.ReplyData(names.ToArray());
        }
    }

    public ValueTask RemoveXattr(FuseRequest request, ulong node, FuseName name)
    {
        lock (_lock)
        {
            var n = Node(node);
            if (!n.Xattrs.Remove(Latin1(name))) return request.ReplyError(Errno.ENODATA);
            n.Touch(modified: false);
            return request.ReplyOk();
        }
    }

    public ValueTask Fallocate(FuseRequest request, ulong node, ulong handle, long offset, long length, int mode)
    {
        lock (_lock)
        {
            if (mode != 0) return request.ReplyError(Errno.EOPNOTSUPP);
            var n = Node(node);
            if (n.Content is null) return request.ReplyError(Errno.ENODEV);
            if (offset + length > n.Content.Length)
            {
                n.Content.SetLength(offset + length);
                n.Touch();
            }
            return request.ReplyOk();
        }
    }

    public ValueTask Lseek(FuseRequest request, ulong node, ulong handle, long offset, int whence)
    {
        lock (_lock)
        {
            long size = Node(node).Size;
            if (whence is not (SeekData or SeekHole)) return request.ReplyError(Errno.EINVAL);
            if (offset >= size) return request.ReplyError(Errno.ENXIO);
            return request.ReplyLseek(whence == SeekData ? offset : size);
        }
    }

    private bool TryCreate(FuseRequest request, ulong parent, FuseName name, uint mode, out MemoryNode node, out int errno)
    {
        node = null!;
        var directory = Directory(parent);
        if (name.Length > NameMax) { errno = Errno.ENAMETOOLONG; return false; }
        string key = Latin1(name);
        if (directory.Children!.ContainsKey(key)) { errno = Errno.EEXIST; return false; }
        // The setgid bit on a directory hands its group down, as on local filesystems.
        uint gid = (directory.Mode & 0x400) != 0 ? directory.Gid : request.Gid;
        node = new MemoryNode(_nextId++, mode, request.Uid, gid);
        if (node.IsDirectory && (directory.Mode & 0x400) != 0) node.Mode |= 0x400;
        _nodes[node.Id] = node;
        directory.Attach(key, node);
        errno = 0;
        return true;
    }

    private ValueTask Remove(FuseRequest request, ulong parent, FuseName name, bool directory)
    {
        lock (_lock)
        {
            var dir = Directory(parent);
            string key = Latin1(name);
            if (!dir.Children!.TryGetValue(key, out var child)) return request.ReplyError(Errno.ENOENT);
            if (directory && !child.IsDirectory) return request.ReplyError(Errno.ENOTDIR);
            if (!directory && child.IsDirectory) return request.ReplyError(Errno.EISDIR);
            if (directory && child.Children!.Count > 0) return request.ReplyError(Errno.ENOTEMPTY);
            dir.Detach(key, child);
            DropIfUnused(child);
            return request.ReplyOk();
        }
    }

    private FuseEntry Remember(MemoryNode node)
    {
        node.Lookups++;
        return Describe(node);
    }

    private FuseEntry Describe(MemoryNode node) => new()
    {
        NodeId = node.Id,
        Attr = node.Attributes(),
        EntryTimeout = _timeout,
        AttrTimeout = _timeout,
    };

    private void DropIfUnused(MemoryNode node)
    {
        if (node.Lookups == 0 && node.OpenHandles <= 0 && !node.IsLinked) _nodes.Remove(node.Id);
    }

    private MemoryNode Node(ulong id) =>
        _nodes.TryGetValue(id, out var node) ? node : throw new FuseException(Errno.ESTALE, $"node {id} is not known");

    private MemoryNode Directory(ulong id)
    {
        var node = Node(id);
        return node.IsDirectory ? node : throw new FuseException(Errno.ENOTDIR);
    }

    private static bool IsAncestorOrSelf(MemoryNode ancestor, MemoryNode node)
    {
        for (var n = node; n != null; n = n.Parent)
            if (n == ancestor) return true;
        return false;
    }

    private static ReadOnlySpan<char> Latin1(FuseName name, Span<char> destination) =>
        destination[..Encoding.Latin1.GetChars(name.Span, destination)];

    private static string Latin1(FuseName name) => Encoding.Latin1.GetString(name.Span);
}
