using System.Text;

namespace Bucketfs.Core.Tests.Model;

internal enum ModelKind { File, Directory, Symlink }

/// <summary>One name as a user must see it: its kind, permission bits and content (a symlink's target as its bytes).</summary>
internal sealed record ModelNode(ModelKind Kind, uint Permissions, byte[] Content)
{
    public static ModelNode Directory(uint permissions) => new(ModelKind.Directory, permissions, []);
}

/// <summary>
/// What a user of the mount must see after each operation: a plain tree of paths. Every directory
/// is one the mount made (with a marker object) or the root, so none vanishes when emptied.
/// </summary>
internal sealed class ReferenceModel
{
    private readonly SortedDictionary<string, ModelNode> _nodes = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ModelNode> Nodes => _nodes;

    public ModelNode? Find(string path) => _nodes.GetValueOrDefault(path);

    public bool IsDirectory(string path) => path.Length == 0 || Find(path)?.Kind == ModelKind.Directory;

    public IEnumerable<string> Children(string directory) =>
        _nodes.Keys.Where(p => Parent(p) == directory);

    public IEnumerable<string> Paths(ModelKind kind) => _nodes.Where(n => n.Value.Kind == kind).Select(n => n.Key);

    /// <summary>Directories, the root ("") first.</summary>
    public IEnumerable<string> Directories() => new[] { "" }.Concat(Paths(ModelKind.Directory));

    public void Set(string path, ModelNode node) => _nodes[path] = node;

    public void Remove(string path)
    {
        foreach (var below in _nodes.Keys.Where(p => p == path || p.StartsWith(path + "/", StringComparison.Ordinal)).ToList())
            _nodes.Remove(below);
    }

    public void Move(string from, string to)
    {
        Remove(to);
        foreach (var (path, node) in _nodes.Where(n => n.Key == from || n.Key.StartsWith(from + "/", StringComparison.Ordinal)).ToList())
        {
            _nodes.Remove(path);
            _nodes[to + path[from.Length..]] = node;
        }
    }

    public static string Parent(string path) => path.LastIndexOf('/') is var cut and >= 0 ? path[..cut] : "";

    public static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;

    public override string ToString() =>
        string.Join("\n", _nodes.Select(n => $"{n.Key} {n.Value.Kind} {Convert.ToString(n.Value.Permissions, 8)} {n.Value.Content.Length}b"));

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);
}
