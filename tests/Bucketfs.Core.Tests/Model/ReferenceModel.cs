using System.Text;

namespace Bucketfs.Core.Tests.Model;

internal enum ModelKind { File, Directory, Symlink }

/// <summary>
/// One name as a user must see it: its kind, permission bits, owner and content (a symlink's
/// target as its bytes); its mtime in seconds when an explicit utimens set it (null: not checked).
/// </summary>
internal sealed record ModelNode(ModelKind Kind, uint Permissions, byte[] Content, uint Uid = MountDriver.UserId, uint Gid = MountDriver.UserId, long? Mtime = null)
{
    public static ModelNode Directory(uint permissions) => new(ModelKind.Directory, permissions, []);
}

/// <summary>
/// What a user of the mount must see after each operation: a plain tree of paths, and the files
/// held open (see ModelHandles). Every directory is one the mount made (with a marker object) or
/// the root, so none vanishes when emptied.
/// </summary>
internal sealed partial class ReferenceModel
{
    private readonly SortedDictionary<string, ModelNode> _nodes = new(StringComparer.Ordinal);

    /// <summary>A copy to fall back to when a step fails and must have changed nothing.</summary>
    public ReferenceModel Clone()
    {
        var copy = new ReferenceModel();
        foreach (var (path, node) in _nodes) copy._nodes[path] = node;
        CopyHandlesTo(copy);
        return copy;
    }

    public IReadOnlyDictionary<string, ModelNode> Nodes => _nodes;

    public ModelNode? Find(string path) => _nodes.GetValueOrDefault(path);

    public bool IsDirectory(string path) => path.Length == 0 || Find(path)?.Kind == ModelKind.Directory;

    public IEnumerable<string> Children(string directory) =>
        _nodes.Keys.Where(p => Parent(p) == directory);

    public IEnumerable<string> Paths(ModelKind kind) => _nodes.Where(n => n.Value.Kind == kind).Select(n => n.Key);

    /// <summary>Directories, the root ("") first.</summary>
    public IEnumerable<string> Directories() => new[] { "" }.Concat(Paths(ModelKind.Directory));

    public void Set(string path, ModelNode node) => _nodes[path] = node;

    /// <summary>A file's new content (written here, or by another client when <paramref name="outside"/>): its explicit mtime no longer holds.</summary>
    public void SetContent(string path, byte[] content, bool outside = false)
    {
        if (_orphans.ContainsKey(path))
        {
            _orphans[path] = content;
            return;
        }
        if (outside) Changing(path);
        _nodes[path] = _nodes[path] with { Content = content, Mtime = null };
    }

    public void Remove(string path)
    {
        foreach (var below in _nodes.Keys.Where(p => Below(p, path)).ToList())
        {
            Orphan(below);
            _nodes.Remove(below);
        }
    }

    public void Move(string from, string to)
    {
        Remove(to);
        foreach (var (path, node) in _nodes.Where(n => Below(n.Key, from)).ToList())
        {
            _nodes.Remove(path);
            _nodes[to + path[from.Length..]] = node;
        }
        MoveHandles(from, to);
    }

    private static bool Below(string path, string top) => path == top || path.StartsWith(top + "/", StringComparison.Ordinal);

    public static string Parent(string path) => path.LastIndexOf('/') is var cut and >= 0 ? path[..cut] : "";

    public static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;

    public override string ToString() =>
        string.Join("\n", _nodes.Select(n => $"{n.Key} {n.Value.Kind} {Convert.ToString(n.Value.Permissions, 8)} {n.Value.Uid}:{n.Value.Gid} {n.Value.Content.Length}b"));

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);
}
