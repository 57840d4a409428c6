namespace Bucketfs.Core.Tests.Model;

/// <summary>
/// Plays steps against a fresh core and bucket and against the reference model, comparing the
/// whole tree the core shows with the model's after every step.
/// </summary>
internal static class ModelRun
{
    /// <summary>The first difference, as "after step N (what): how", or null when every step matched.</summary>
    public static async Task<string?> FailureAsync(IReadOnlyList<Step> steps)
    {
        var model = new ReferenceModel();
        using var mount = new MountDriver();
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (!step.Applies(model)) continue;
            try
            {
                model = await PlayAsync(mount, model, step);
            }
            catch (Exception e)
            {
                return $"after step {i} ({step}): {(e is ModelMismatch ? e.Message : e.ToString())}";
            }
            finally
            {
                mount.ForgetAll();
            }
        }
        return null;
    }

    /// <summary>
    /// Plays one step and returns the model after it. A step failed by the store must have happened
    /// whole or (when it can be undone) not at all: the mount and the bucket are compared with both.
    /// </summary>
    private static async Task<ReferenceModel> PlayAsync(MountDriver mount, ReferenceModel model, Step step)
    {
        var before = model.Clone();
        bool failed = false;
        try
        {
            await step.RunAsync(mount, before);
        }
        catch (Exception e) when (step is Failing && MountDriver.IsInjected(e))
        {
            failed = true;
        }
        step.Update(model);
        if (step.Outside) mount.LetExpire();
        foreach (var path in step.Touched(before))
        {
            if (!failed && step.Uploads(before)) model.Stored(path);
            // A store failure may have been met by an upload that the background retries took over.
            else if (step is Failing) model.Pending(path);
        }
        if (!failed)
        {
            await CompareAsync(mount, model);
            return model;
        }
        try
        {
            if (!step.Completable) throw new ModelMismatch("it cannot have happened");
            await CompareAsync(mount, model);
            return model;
        }
        catch (ModelMismatch whole) when (step.Undoable)
        {
            foreach (var path in step.Touched(before)) before.Pending(path);
            try
            {
                await CompareAsync(mount, before);
                return before;
            }
            catch (ModelMismatch none)
            {
                throw new ModelMismatch($"the step failed, and shows neither all of it: {whole.Message}\n\nnor none of it: {none.Message}");
            }
        }
    }

    private static async Task CompareAsync(MountDriver mount, ReferenceModel model)
    {
        var seen = new SortedDictionary<string, ModelNode>(StringComparer.Ordinal);
        await WalkAsync(mount, "", 1, seen);
        foreach (var (path, expected) in model.Nodes)
        {
            if (!seen.TryGetValue(path, out var shown)) throw new ModelMismatch($"{path} ({expected.Kind}) is not listed\n{Describe(model, seen)}");
            if (shown.Kind != expected.Kind) throw new ModelMismatch($"{path} shows as {shown.Kind}, must be {expected.Kind}\n{Describe(model, seen)}");
            if (shown.Permissions != expected.Permissions)
                throw new ModelMismatch($"{path} shows mode {Convert.ToString(shown.Permissions, 8)}, must be {Convert.ToString(expected.Permissions, 8)}\n{Describe(model, seen)}");
            if (!shown.Content.AsSpan().SequenceEqual(expected.Content))
                throw new ModelMismatch($"{path} shows {shown.Content.Length} bytes that differ from the {expected.Content.Length} written\n{Describe(model, seen)}");
            if (shown.Uid != expected.Uid || shown.Gid != expected.Gid)
                throw new ModelMismatch($"{path} shows owner {shown.Uid}:{shown.Gid}, must be {expected.Uid}:{expected.Gid}\n{Describe(model, seen)}");
            if (expected.Mtime is { } mtime && shown.Mtime != mtime)
                throw new ModelMismatch($"{path} shows mtime {shown.Mtime}, must be {mtime} (set by utimens)\n{Describe(model, seen)}");
        }
        foreach (var path in seen.Keys)
            if (model.Find(path) is null) throw new ModelMismatch($"{path} is listed but must not exist\n{Describe(model, seen)}");
        BucketCheck.Check(mount, model);
    }

    /// <summary>What READDIR, LOOKUP, GETATTR, READ and READLINK show below a directory.</summary>
    private static async Task WalkAsync(MountDriver mount, string directory, ulong node, SortedDictionary<string, ModelNode> seen)
    {
        foreach (var name in await mount.ListAsync(node))
        {
            string path = ReferenceModel.Join(directory, name);
            if (await mount.LookupAsync(node, name) is not { } entry) throw new ModelMismatch($"{path} is listed, but its lookup finds nothing");
            var attr = (await mount.Fs.GetAttrAsync(entry.NodeId, CancellationToken.None)).Attr;
            if (attr.Mode != entry.Attr.Mode || attr.Size != entry.Attr.Size)
                throw new ModelMismatch($"{path}: GETATTR shows mode {Convert.ToString(attr.Mode, 8)} size {attr.Size}, its lookup {Convert.ToString(entry.Attr.Mode, 8)} size {entry.Attr.Size}");
            var kind = MountDriver.KindOf(entry);
            byte[] content = kind switch
            {
                ModelKind.File => await mount.ReadAsync(entry.NodeId),
                ModelKind.Symlink => await mount.ReadLinkAsync(entry.NodeId),
                _ => [],
            };
            if (kind == ModelKind.File && (ulong)content.Length != entry.Attr.Size)
                throw new ModelMismatch($"{path}: stat shows {entry.Attr.Size} bytes, a read gives {content.Length}");
            seen[path] = new ModelNode(kind, entry.Attr.Mode & 0xFFF, content, entry.Attr.Uid, entry.Attr.Gid, (long)entry.Attr.Mtime);
            if (kind == ModelKind.Directory) await WalkAsync(mount, path, entry.NodeId, seen);
        }
    }

    private static string Describe(ReferenceModel model, SortedDictionary<string, ModelNode> seen)
    {
        var shown = new ReferenceModel();
        foreach (var (path, node) in seen) shown.Set(path, node);
        return $"model:\n{model}\nmount:\n{shown}";
    }

    /// <summary>
    /// A shorter sequence that still fails (steps that no longer apply are skipped on replay):
    /// chunks of steps are dropped while the failure stays, halving the chunk when none can go.
    /// </summary>
    public static async Task<List<Step>> ShrinkAsync(List<Step> steps, TimeSpan bound)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int chunk = Math.Max(1, steps.Count / 2);
        while (clock.Elapsed < bound)
        {
            bool dropped = false;
            for (int start = 0; start < steps.Count && clock.Elapsed < bound; )
            {
                var shorter = steps.Take(start).Concat(steps.Skip(start + chunk)).ToList();
                if (await FailureAsync(shorter) != null)
                {
                    steps = shorter;
                    dropped = true;
                }
                else start += chunk;
            }
            if (!dropped)
            {
                if (chunk == 1) break;
                chunk = Math.Max(1, chunk / 2);
            }
        }
        return steps;
    }
}
