using Bucketfs.Core.Metadata;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// Node ids handed to the kernel and their lookup counts. A (parent, name) pair keeps its id while
/// the kernel remembers it and the kind stays the same, so cached dentries stay valid.
/// </summary>
internal sealed class InodeTable
{
    public const ulong RootId = 1;
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, Inode> _byId = [];
    private readonly Dictionary<(ulong Parent, string Name), Inode> _byName = [];
    private ulong _nextId = RootId + 1;

    public InodeTable()
    {
        Root = new Inode(RootId, RootId, "", "", EntryKind.Directory) { Lookups = 1 };
        _byId[RootId] = Root;
    }

    public Inode Root { get; }

    public int Count { get { lock (_lock) return _byId.Count; } }

    public Inode? Find(ulong id)
    {
        lock (_lock) return _byId.GetValueOrDefault(id);
    }

    /// <summary>The node for a child with fresh attributes, counting one kernel reference to it.</summary>
    public Inode Remember(Inode parent, string name, EntryAttributes attributes)
    {
        lock (_lock)
        {
            if (!_byName.TryGetValue((parent.Id, name), out var node) || node.Kind != attributes.Kind)
            {
                string path = parent.Path.Length == 0 ? name : parent.Path + "/" + name;
                node = new Inode(_nextId++, parent.Id, name, path, attributes.Kind);
                _byId[node.Id] = node;
                _byName[(parent.Id, name)] = node;
            }
            node.Attributes = attributes;
            node.Lookups++;
            return node;
        }
    }

    /// <summary>The name is gone (unlink, rmdir): a new node with that name gets a new id.</summary>
    public void Unlink(ulong parent, string name)
    {
        lock (_lock) _byName.Remove((parent, name));
    }

    /// <summary>A rename through this mount: the kernel keeps the node id, so the node and everything below it move.</summary>
    public void Move(ulong parent, string name, Inode newParent, string newName)
    {
        lock (_lock)
        {
            _byName.Remove((newParent.Id, newName));
            if (!_byName.Remove((parent, name), out var node)) return;
            string oldPath = node.Path;
            node.ParentId = newParent.Id;
            node.Name = newName;
            node.Path = newParent.Path.Length == 0 ? newName : newParent.Path + "/" + newName;
            _byName[(newParent.Id, newName)] = node;
            if (node.Kind != EntryKind.Directory) return;
            string oldPrefix = oldPath + "/";
            foreach (var descendant in _byId.Values)
                if (descendant.Path.StartsWith(oldPrefix, StringComparison.Ordinal))
                    descendant.Path = node.Path + "/" + descendant.Path[oldPrefix.Length..];
        }
    }

    public Inode? Child(ulong parent, string name)
    {
        lock (_lock) return _byName.GetValueOrDefault((parent, name));
    }

    public void Forget(ulong id, ulong count)
    {
        lock (_lock)
        {
            if (id == RootId || !_byId.TryGetValue(id, out var node)) return;
            node.Lookups -= (long)Math.Min(count, (ulong)node.Lookups);
            if (node.Lookups > 0) return;
            _byId.Remove(id);
            // A newer node may already own the name; only drop the mapping if it is still ours.
            if (_byName.TryGetValue((node.ParentId, node.Name), out var current) && current == node)
                _byName.Remove((node.ParentId, node.Name));
        }
    }
}
