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

    public Step Next(ReferenceModel model)
    {
        while (true)
        {
            Step step = _random.Next(100) switch
            {
                < 15 => new CreateFile(NewPath(model), Mode(), Bytes()),
                < 30 => new WriteAt(Existing(model, ModelKind.File), Offset(model, ModelKind.File), Bytes()),
                < 37 => new Truncate(Existing(model, ModelKind.File), _random.Next(3) == 0 ? 0 : _random.Next(9000)),
                < 44 => new Chmod(Any(model), Mode()),
                < 54 => new Rename(Any(model), NewPath(model, allowTaken: true)),
                < 60 => new Unlink(Any(model)),
                < 67 => new MakeDirectory(NewPath(model), 0x1ED),
                < 71 => new RemoveDirectory(Existing(model, ModelKind.Directory)),
                < 75 => new Symlink(NewPath(model), Pick(Names) + "/" + Pick(Names)),
                < 78 => new Remount(),
                < 92 => new OutsidePut(_random.Next(2) == 0 ? NewPath(model) : Existing(model, ModelKind.File), Bytes()),
                _ => new OutsideDelete(Any(model)),
            };
            if (step.Applies(model)) return step;
        }
    }

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
