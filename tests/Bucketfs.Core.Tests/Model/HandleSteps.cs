namespace Bucketfs.Core.Tests.Model;

internal enum OpenMode { ReadOnly, ReadWrite, Truncate }

/// <summary>open(2) of a file into a slot, kept open across steps until <see cref="CloseFile"/>.</summary>
internal sealed record OpenFile(int Slot, string Path, OpenMode Mode) : Step
{
    // A file waiting for its upload may or may not still be staged: which handle a read-only open gets is not the model's to say.
    public override bool Applies(ReferenceModel model) =>
        model.Handle(Slot) is null && IsKind(model, Path, ModelKind.File) && !(Mode == OpenMode.ReadOnly && model.IsPending(Path));

    public override void Update(ReferenceModel model)
    {
        model.Open(Slot, Path, Mode != OpenMode.ReadOnly);
        if (Mode == OpenMode.Truncate) model.SetContent(Path, []);
    }

    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.OpenAsync(Slot, Path, Mode);
    public override IEnumerable<string> Touched(ReferenceModel model) => [Path];
    public override bool Completable => false;
    public override string ToString() => $"open [{Slot}] {Path} {Mode}";
}

/// <summary>pwrite(2) through an open handle: every handle and lookup of this mount sees it at once.</summary>
internal sealed record WriteFile(int Slot, long Offset, byte[] Data) : Step
{
    public override bool Applies(ReferenceModel model) =>
        model.Handle(Slot) is { Writable: true } handle && Offset <= model.Content(handle).Length + 4096;

    public override void Update(ReferenceModel model)
    {
        var handle = model.Handle(Slot)!;
        model.SetContent(handle.Path, WriteAt.Spliced(model.Content(handle), Offset, Data));
    }

    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.WriteAsync(Slot, Offset, Data);
    public override string ToString() => $"write [{Slot}] at {Offset} ({Data.Length} bytes)";
}

/// <summary>pread(2) through an open handle, checked against what the handle must read.</summary>
internal sealed record ReadFile(int Slot, long Offset, int Length) : Step
{
    public override bool Applies(ReferenceModel model) => model.Handle(Slot) != null;
    public override void Update(ReferenceModel model) { }

    public override async Task RunAsync(MountDriver mount, ReferenceModel model)
    {
        var handle = model.Handle(Slot)!;
        var content = model.Content(handle);
        if (handle.Unchecked)
        {
            try
            {
                await mount.ReadAsync(Slot, Offset, Length);
            }
            catch (Exception e) when (MountDriver.IsVersionGone(e))
            {
            }
            return;
        }
        byte[] read;
        try
        {
            read = await mount.ReadAsync(Slot, Offset, Length);
        }
        catch (Exception e) when (handle.Version != null && MountDriver.IsVersionGone(e))
        {
            return;
        }
        int start = (int)Math.Min(Offset, content.Length);
        var expected = content.AsSpan(start, Math.Min(Length, content.Length - start));
        if (!read.AsSpan().SequenceEqual(expected))
            throw new ModelMismatch($"handle [{Slot}] on {handle.Path} read {read.Length} bytes at {Offset} that differ from the {expected.Length} it must read (of {content.Length}{(handle.Version != null ? ", the version it opened" : "")})");
    }

    public override string ToString() => $"read [{Slot}] at {Offset} ({Length} bytes)";
}

/// <summary>fsync(2): what the handle's file holds is in the bucket when it returns.</summary>
internal sealed record SyncFile(int Slot) : Step
{
    public override bool Applies(ReferenceModel model) => model.Handle(Slot) != null;
    public override void Update(ReferenceModel model) { }
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.SyncAsync(Slot);
    public override IEnumerable<string> Touched(ReferenceModel model) => [model.Handle(Slot)!.Path];
    public override bool Uploads(ReferenceModel model) => model.Handle(Slot)!.Staged;
    public override string ToString() => $"fsync [{Slot}]";
}

/// <summary>close(2): FLUSH (the upload, whose failure close() reports) then RELEASE, which happens whatever FLUSH said.</summary>
internal sealed record CloseFile(int Slot) : Step
{
    public override bool Applies(ReferenceModel model) => model.Handle(Slot) != null;
    public override void Update(ReferenceModel model) => model.Close(Slot);
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.CloseAsync(Slot);
    public override IEnumerable<string> Touched(ReferenceModel model) => [model.Handle(Slot)!.Path];
    public override bool Uploads(ReferenceModel model) => model.Handle(Slot)!.Staged;
    public override bool Undoable => false;
    public override string ToString() => $"close [{Slot}]";
}
