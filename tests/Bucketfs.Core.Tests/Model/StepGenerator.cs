using Bucketfs.Testing;

namespace Bucketfs.Core.Tests.Model;

/// <summary>
/// Random steps that make sense in the model's current state, over a handful of names so that
/// creations, renames and deletions keep meeting each other.
/// </summary>
internal sealed class StepGenerator(int seed)
{
    private static readonly string[] Names = ["a", "b", "c", "d.txt", "e"];
    private static readonly uint[] Modes = [0x1A4, 0x180, 0x1ED, 0x124, 0x1FF];
    private readonly Random _random = new(seed);

    /// <summary>Kinds of store call a failing step sees fail first: reads and lookups, each kind of change, an upload's calls.</summary>
    private static readonly StoreOperation[] FailingKinds =
    [
        StoreOperation.Head, StoreOperation.List, StoreOperation.AnyRead, StoreOperation.Put, StoreOperation.Copy, StoreOperation.Delete,
        StoreOperation.StartUpload | StoreOperation.UploadPart | StoreOperation.CompleteUpload,
    ];
    private static readonly uint[] Owners = [0, MountDriver.UserId, 1234];

    public Step Next(ReferenceModel model)
    {
        while (true)
        {
            Step step = _random.Next(100) switch
            {
                < 10 => new CreateFile(NewPath(model), Mode(), Bytes()),
                < 18 => new WriteAt(Existing(model, ModelKind.File), Offset(model, ModelKind.File), Bytes()),
                < 22 => new Truncate(Existing(model, ModelKind.File), _random.Next(3) == 0 ? 0 : _random.Next(9000)),
                < 26 => new Chmod(Any(model), Mode()),
                < 29 => new Chown(Any(model), Pick(Owners), Pick(Owners)),
                < 32 => new Utimens(Any(model), 1_600_000_000 + _random.Next(100_000_000)),
                < 39 => new Rename(Any(model), NewPath(model, allowTaken: true)),
                < 43 => new Unlink(Any(model)),
                < 48 => new MakeDirectory(NewPath(model), 0x1ED),
                < 50 => new RemoveDirectory(Existing(model, ModelKind.Directory)),
                < 53 => new Symlink(NewPath(model), Pick(Names) + "/" + Pick(Names)),
                // A kernel unmounts only once every file is closed.
                < 55 => model.Handles.Count == 0 ? new Remount() : new CloseFile(OpenSlot(model)),
                < 63 => new OutsidePut(_random.Next(2) == 0 ? NewPath(model) : Existing(model, ModelKind.File), Bytes()),
                < 66 => new OutsideDelete(Any(model)),
                < 72 => new OpenFile(FreeSlot(model), Existing(model, ModelKind.File), (OpenMode)_random.Next(3)),
                < 80 => new WriteFile(OpenSlot(model), _random.Next(3) == 0 ? 0 : _random.Next(6000), Bytes()),
                < 87 => new ReadFile(OpenSlot(model), _random.Next(4) == 0 ? 0 : _random.Next(6000), 1 + _random.Next(8000)),
                < 90 => new SyncFile(OpenSlot(model)),
                _ => new CloseFile(OpenSlot(model)),
            };
            if (!step.Applies(model)) continue;
            // Now and then the store fails a call of the step (another client's changes go straight to the bucket).
            // Not the delete of a rename over another file: a copy over an object cannot be taken back,
            // so that rename fails with both names showing the source (a rename to a new name is undone).
            if (!step.Outside && step is not Remount && _random.Next(12) == 0)
                step = new Failing(step, Pick(FailingKinds.Where(k => !(step is Rename r && model.Find(r.To) != null && k == StoreOperation.Delete)).ToList()));
            return step;
        }
    }

    private int FreeSlot(ReferenceModel model) =>
        Enumerable.Range(0, ReferenceModel.MostHandles).Where(s => model.Handle(s) is null).ToList() is { Count: > 0 } free ? Pick(free) : 0;

    private int OpenSlot(ReferenceModel model) => model.Handles.Count > 0 ? Pick(model.Handles.Keys.ToList()) : 0;

    private string NewPath(ReferenceModel model, bool allowTaken = false)
    {
        // Three levels at most, so the tree compared after every step stays small.
        var directories = model.Directories().Where(d => d.Count(c => c == '/') < 2).ToList();
        for (int attempt = 0; attempt < 10; attempt++)
        {
            string path = ReferenceModel.Join(Pick(directories), Pick(Names));
            if (allowTaken || model.Find(path) is null) return path;
        }
        return ReferenceModel.Join(Pick(directories), Pick(Names));
    }

    private string Any(ReferenceModel model) => model.Nodes.Count == 0 ? Pick(Names) : Pick(model.Nodes.Keys.ToList());

    private string Existing(ReferenceModel model, ModelKind kind) => model.Paths(kind).ToList() is { Count: > 0 } paths ? Pick(paths) : Pick(Names);

    private long Offset(ReferenceModel model, ModelKind kind) => _random.Next(3) switch
    {
        0 => 0,
        1 => model.Paths(kind).Select(p => model.Find(p)!.Content.Length).DefaultIfEmpty(0).Max(),
        _ => _random.Next(6000),
    };

    /// <summary>Mostly small contents; now and then one larger than a read request, so reads span chunks.</summary>
    private byte[] Bytes()
    {
        var bytes = new byte[_random.Next(10) == 0 ? _random.Next(200_000) : _random.Next(3000)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private uint Mode() => Pick(Modes);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
