namespace Bucketfs.Core.Tests.Model;

/// <summary>
/// One operation of a model run: whether it still makes sense in the model's state (a shortened
/// sequence skips those that do not), what it changes there, and how the driver does it.
/// </summary>
internal abstract record Step
{
    public abstract bool Applies(ReferenceModel model);

    public abstract void Update(ReferenceModel model);

    /// <summary>Does the step against the mount; <paramref name="model"/> is the state before it, for steps that check what they see.</summary>
    public abstract Task RunAsync(MountDriver mount, ReferenceModel model);

    /// <summary>A change by another client: the mount must show it once what it knew has expired.</summary>
    public virtual bool Outside => false;

    /// <summary>The files whose upload a store failure during the step may leave to the background retries.</summary>
    public virtual IEnumerable<string> Touched(ReferenceModel model) => [];

    /// <summary>Whether the step, once it succeeded, has put its files' content in the bucket (a close() or fsync() of a staged copy).</summary>
    public virtual bool Uploads(ReferenceModel model) => false;

    /// <summary>Whether a failed step may have changed nothing; false when it has happened whatever the store said (a close() releases the handle).</summary>
    public virtual bool Undoable => true;

    /// <summary>Whether a failed step may still have happened whole; false when its failure means it did not (an open that failed gives no handle).</summary>
    public virtual bool Completable => true;

    protected static bool FreeName(ReferenceModel model, string path) => model.IsDirectory(ReferenceModel.Parent(path)) && model.Find(path) is null;

    /// <summary>Neither staged here nor waiting for an upload: what the bucket has is what this mount last stored.</summary>
    protected static bool Settled(ReferenceModel model, string path) => !model.IsStaged(path) && !model.IsPending(path);

    protected static bool IsKind(ReferenceModel model, string path, ModelKind kind) => model.Find(path)?.Kind == kind;
}

internal sealed record CreateFile(string Path, uint Permissions, byte[] Content) : Step
{
    public override bool Applies(ReferenceModel model) => FreeName(model, Path);
    public override void Update(ReferenceModel model) => model.Set(Path, new ModelNode(ModelKind.File, Permissions, Content));
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.CreateAsync(Path, Permissions, Content);
    public override IEnumerable<string> Touched(ReferenceModel model) => [Path];
    public override bool Uploads(ReferenceModel model) => true;
    public override string ToString() => $"create {Path} {Convert.ToString(Permissions, 8)} ({Content.Length} bytes)";
}

internal sealed record WriteAt(string Path, long Offset, byte[] Data) : Step
{
    public override bool Applies(ReferenceModel model) => model.Find(Path) is { Kind: ModelKind.File } file && Offset <= file.Content.Length + 4096;

    public override void Update(ReferenceModel model)
    {
        model.SetContent(Path, Spliced(model.Find(Path)!.Content, Offset, Data));
    }

    /// <summary>The content after writing <paramref name="data"/> at <paramref name="offset"/> (zeros fill a gap).</summary>
    public static byte[] Spliced(byte[] old, long offset, byte[] data)
    {
        var content = new byte[Math.Max(old.Length, offset + data.Length)];
        old.CopyTo(content, 0);
        data.CopyTo(content, offset);
        return content;
    }

    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.WriteAsync(Path, Offset, Data);
    public override IEnumerable<string> Touched(ReferenceModel model) => [Path];
    public override bool Uploads(ReferenceModel model) => true;
    public override string ToString() => $"write {Path} at {Offset} ({Data.Length} bytes)";
}

internal sealed record Truncate(string Path, long Size) : Step
{
    public override bool Applies(ReferenceModel model) => IsKind(model, Path, ModelKind.File);

    public override void Update(ReferenceModel model)
    {
        var file = model.Find(Path)!;
        var content = new byte[Size];
        file.Content.AsSpan(0, (int)Math.Min(Size, file.Content.Length)).CopyTo(content);
        model.SetContent(Path, content);
    }

    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.TruncateAsync(Path, Size);
    public override IEnumerable<string> Touched(ReferenceModel model) => [Path];
    public override string ToString() => $"truncate {Path} to {Size}";
}

internal sealed record Chmod(string Path, uint Permissions) : Step
{
    public override bool Applies(ReferenceModel model) => model.Find(Path) is { Kind: not ModelKind.Symlink };
    public override void Update(ReferenceModel model) => model.Set(Path, model.Find(Path)! with { Permissions = Permissions });
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.ChmodAsync(Path, Permissions);
    public override IEnumerable<string> Touched(ReferenceModel model) => [Path];
    public override string ToString() => $"chmod {Convert.ToString(Permissions, 8)} {Path}";
}

internal sealed record Rename(string From, string To) : Step
{
    public override bool Applies(ReferenceModel model)
    {
        if (model.Find(From) is not { } source || From == To || To.StartsWith(From + "/", StringComparison.Ordinal)) return false;
        if (!model.IsDirectory(ReferenceModel.Parent(To))) return false;
        return model.Find(To) switch
        {
            null => true,
            { Kind: ModelKind.Directory } => source.Kind == ModelKind.Directory && !model.Children(To).Any(),
            _ => source.Kind != ModelKind.Directory,
        };
    }

    public override void Update(ReferenceModel model) => model.Move(From, To);
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.RenameAsync(From, To);
    public override IEnumerable<string> Touched(ReferenceModel model) => [From, To];
    public override string ToString() => $"rename {From} {To}";
}

internal sealed record Unlink(string Path) : Step
{
    public override bool Applies(ReferenceModel model) => model.Find(Path) is { Kind: not ModelKind.Directory };
    public override void Update(ReferenceModel model) => model.Remove(Path);
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.UnlinkAsync(Path);
    public override string ToString() => $"unlink {Path}";
}

internal sealed record MakeDirectory(string Path, uint Permissions) : Step
{
    public override bool Applies(ReferenceModel model) => FreeName(model, Path);
    public override void Update(ReferenceModel model) => model.Set(Path, ModelNode.Directory(Permissions));
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.MakeDirectoryAsync(Path, Permissions);
    public override string ToString() => $"mkdir {Path} {Convert.ToString(Permissions, 8)}";
}

internal sealed record RemoveDirectory(string Path) : Step
{
    public override bool Applies(ReferenceModel model) => IsKind(model, Path, ModelKind.Directory) && !model.Children(Path).Any();
    public override void Update(ReferenceModel model) => model.Remove(Path);
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.RemoveDirectoryAsync(Path);
    public override string ToString() => $"rmdir {Path}";
}

internal sealed record Symlink(string Path, string Target) : Step
{
    public override bool Applies(ReferenceModel model) => FreeName(model, Path);
    public override void Update(ReferenceModel model) => model.Set(Path, new ModelNode(ModelKind.Symlink, 0x1FF, ReferenceModel.Text(Target)));
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.SymlinkAsync(Path, ReferenceModel.Text(Target));
    public override string ToString() => $"symlink {Path} -> {Target}";
}

/// <summary>The daemon ends and a new one mounts the bucket: only after every file is closed, as a kernel unmounts.</summary>
internal sealed record Remount : Step
{
    public override bool Applies(ReferenceModel model) => model.Handles.Count == 0;
    public override void Update(ReferenceModel model) => model.AllStored();
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.RemountAsync();
    public override string ToString() => "remount";
}

/// <summary>
/// Another client stores an object: a new file, or a new version of one (without s3fs metadata, so
/// with the default mode and owner). Not over a file this mount is changing: the last close wins then.
/// </summary>
internal sealed record OutsidePut(string Path, byte[] Content) : Step
{
    public override bool Applies(ReferenceModel model) => FreeName(model, Path) || IsKind(model, Path, ModelKind.File) && Settled(model, Path);

    public override void Update(ReferenceModel model)
    {
        if (model.Find(Path) != null) model.SetContent(Path, Content, outside: true);
        model.Set(Path, new ModelNode(ModelKind.File, 0x1A4, Content));
    }

    public override Task RunAsync(MountDriver mount, ReferenceModel model)
    {
        mount.Store.PutDirect(Path, Content);
        return Task.CompletedTask;
    }

    public override bool Outside => true;
    public override string ToString() => $"outside put {Path} ({Content.Length} bytes)";
}

internal sealed record OutsideDelete(string Path) : Step
{
    public override bool Applies(ReferenceModel model) => model.Find(Path) is { Kind: not ModelKind.Directory } && Settled(model, Path);
    public override void Update(ReferenceModel model) => model.Remove(Path);

    public override Task RunAsync(MountDriver mount, ReferenceModel model)
    {
        mount.Store.DeleteDirect(Path);
        return Task.CompletedTask;
    }

    public override bool Outside => true;
    public override string ToString() => $"outside delete {Path}";
}
