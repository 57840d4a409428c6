namespace Bucketfs.Core.Tests.Model;

/// <summary>
/// What the bucket itself must hold: every closed file's content as the model has it (a close()
/// that reported success never loses a write), unless a failed upload left it pending; a marker
/// for every directory; and no object the model does not have (nothing unlinked reappears).
/// </summary>
internal static class BucketCheck
{
    public static void Check(MountDriver mount, ReferenceModel model)
    {
        var objects = mount.Store.Snapshot();
        foreach (var (path, node) in model.Nodes)
        {
            if (node.Kind == ModelKind.Directory)
            {
                if (!objects.ContainsKey(path + "/")) throw new ModelMismatch($"the bucket has no marker for the directory {path}");
                continue;
            }
            if (model.IsOpen(path) || model.IsPending(path)) continue;
            if (!objects.TryGetValue(path, out var stored)) throw new ModelMismatch($"{path} is closed but not in the bucket");
            if (!stored.Content.Span.SequenceEqual(node.Content))
                throw new ModelMismatch($"{path} is closed, but the bucket holds {stored.Content.Length} bytes that differ from the {node.Content.Length} written");
        }
        foreach (var key in objects.Keys)
        {
            bool marker = key.EndsWith('/');
            var kind = model.Find(marker ? key[..^1] : key)?.Kind;
            if (kind is null || marker != (kind == ModelKind.Directory))
                throw new ModelMismatch($"the bucket holds {key}, which must not exist{(kind is null ? "" : $" (it is a {kind})")}");
        }
    }
}
