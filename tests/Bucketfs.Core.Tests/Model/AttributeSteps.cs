namespace Bucketfs.Core.Tests.Model;

/// <summary>chown(2): the new owner shows in stat and is kept in the object's s3fs metadata.</summary>
internal sealed record Chown(string Path, uint Uid, uint Gid) : Step
{
    public override bool Applies(ReferenceModel model) => model.Find(Path) is { Kind: not ModelKind.Symlink };
    public override void Update(ReferenceModel model) => model.Set(Path, model.Find(Path)! with { Uid = Uid, Gid = Gid });
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.ChownAsync(Path, Uid, Gid);
    public override IEnumerable<string> Touched(ReferenceModel model) => [Path];
    public override string ToString() => $"chown {Uid}:{Gid} {Path}";
}

/// <summary>utimens(2) with an explicit mtime: stat shows that second until the file is written again.</summary>
internal sealed record Utimens(string Path, long Seconds) : Step
{
    public override bool Applies(ReferenceModel model) => model.Find(Path) is { Kind: not ModelKind.Symlink };
    public override void Update(ReferenceModel model) => model.Set(Path, model.Find(Path)! with { Mtime = Seconds });
    public override Task RunAsync(MountDriver mount, ReferenceModel model) => mount.UtimensAsync(Path, Seconds);
    public override IEnumerable<string> Touched(ReferenceModel model) => [Path];
    public override string ToString() => $"utimens {Path} mtime {Seconds}";
}
