namespace Bucketfs.Core.Tests.Model;

/// <summary>
/// One operation of a model run: whether it still makes sense in the model's state (a shortened
/// sequence skips those that do not), what it changes there, and how the driver does it.
/// </summary>
internal abstract record Step
{
    public abstract bool Applies(ReferenceModel model);

    public abstract void Update(ReferenceModel model);

    public abstract Task RunAsync(MountDriver mount);

    /// <summary>A change by another client: the mount must show it once what it knew has expired.</summary>
    public virtual bool Outside => false;

    protected static bool FreeName(ReferenceModel model, string path) => model.IsDirectory(ReferenceModel.Parent(path)) && model.Find(path) is null;

    protected static bool IsKind(ReferenceModel model, string path, ModelKind kind) => model.Find(path)?.Kind == kind;
}

internal sealed record CreateFile(string Path, uint Permissions, byte[] Content) : Step
{
    public override bool Applies(ReferenceModel model) => FreeName(model, Path);
    public override void Update(ReferenceModel model) => model.Set(Path, new ModelNode(ModelKind.File, Permissions, Content));
    public override Task RunAsync(MountDriver mount) => mount.CreateAsync(Path, Permissions, Content);
    public override string ToString() => $"create {Path} {Convert.ToString(Permissions, 8)} ({Content.Length} bytes)";
}

internal sealed record WriteAt(string Path, long Offset, byte[] Data) : Step
{
    public override bool Applies(ReferenceModel model) => model.Find(Path) is { Kind: ModelKind.File } file && Offset <= file.Content.Length + 4096;

    public override void Update(ReferenceModel model)
    {
        var file = model.Find(Path)!;
        var content = new byte[Math.Max(file.Content.Length, Offset + Data.Length)];
        file.Content.CopyTo(content, 0);
        Data.CopyTo(content, Offset);
        model.Set(Path, file with { Content = content });
    }

    public override Task RunAsync(MountDriver mount) => mount.WriteAsync(Path, Offset, Data);
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
        model.Set(Path, file with { Content = content });
    }

    public override Task RunAsync(MountDriver mount) => mount.TruncateAsync(Path, Size);
    public override string ToString() => $"truncate {Path} to {Size}";
}

internal sealed record Chmod(string Path, uint Permissions) : Step
{
    public override bool Applies(ReferenceModel model) => model.Find(Path) is { Kind: not ModelKind.Symlink };
    public override void Update(ReferenceModel model) => model.Set(Path, model.Find(Path)! with { Permissions = Permissions });
    public override Task RunAsync(MountDriver mount) => mount.ChmodAsync(Path, Permissions);
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
    public override Task RunAsync(MountDriver mount) => mount.RenameAsync(From, To);
    public override string ToString() => $"rename {From} {To}";
}

internal sealed record Unlink(string Path) : Step
{
    public override bool Applies(ReferenceModel model) => model.Find(Path) is { Kind: not ModelKind.Directory };
    public override void Update(ReferenceModel model) => model.Remove(Path);
    public override Task RunAsync(MountDriver mount) => mount.UnlinkAsync(Path);
    public override string ToString() => $"unlink {Path}";
}

internal sealed record MakeDirectory(string Path, uint Permissions) : Step
{
    public override bool Applies(ReferenceModel model) => FreeName(model, Path);
    public override void Update(ReferenceModel model) => model.Set(Path, ModelNode.Directory(Permissions));
    public override Task RunAsync(MountDriver mount) => mount.MakeDirectoryAsync(Path, Permissions);
    public override string ToString() => $"mkdir {Path} {Convert.ToString(Permissions, 8)}";
}

internal sealed record RemoveDirectory(string Path) : Step
{
    public override bool Applies(ReferenceModel model) => IsKind(model, Path, ModelKind.Directory) && !model.Children(Path).Any();
    public override void Update(ReferenceModel model) => model.Remove(Path);
    public override Task RunAsync(MountDriver mount) => mount.RemoveDirectoryAsync(Path);
    public override string ToString() => $"rmdir {Path}";
}

internal sealed record Symlink(string Path, string Target) : Step
{
    public override bool Applies(ReferenceModel model) => FreeName(model, Path);
    public override void Update(ReferenceModel model) => model.Set(Path, new ModelNode(ModelKind.Symlink, 0x1FF, ReferenceModel.Text(Target)));
    public override Task RunAsync(MountDriver mount) => mount.SymlinkAsync(Path, ReferenceModel.Text(Target));
    public override string ToString() => $"symlink {Path} -> {Target}";
}

internal sealed record Remount : Step
{
    public override bool Applies(ReferenceModel model) => true;
    public override void Update(ReferenceModel model) { }
    public override Task RunAsync(MountDriver mount) => mount.RemountAsync();
    public override string ToString() => "remount";
}

/// <summary>Another client stores an object: a new file, or a new version of one (without s3fs metadata, so with the default mode).</summary>
internal sealed record OutsidePut(string Path, byte[] Content) : Step
{
    public override bool Applies(ReferenceModel model) => FreeName(model, Path) || IsKind(model, Path, ModelKind.File);
    public override void Update(ReferenceModel model) => model.Set(Path, new ModelNode(ModelKind.File, 0x1A4, Content));

    public override Task RunAsync(MountDriver mount)
    {
        mount.Store.PutDirect(Path, Content);
        return Task.CompletedTask;
    }

    public override bool Outside => true;
    public override string ToString() => $"outside put {Path} ({Content.Length} bytes)";
}

internal sealed record OutsideDelete(string Path) : Step
{
    public override bool Applies(ReferenceModel model) => model.Find(Path) is { Kind: not ModelKind.Directory };
    public override void Update(ReferenceModel model) => model.Remove(Path);

    public override Task RunAsync(MountDriver mount)
    {
        mount.Store.DeleteDirect(Path);
        return Task.CompletedTask;
    }

    public override bool Outside => true;
    public override string ToString() => $"outside delete {Path}";
}
