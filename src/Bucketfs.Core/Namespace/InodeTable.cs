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
