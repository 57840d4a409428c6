namespace Bucketfs.Core.Tests.Model;

/// <summary>
/// A file held open across steps. <see cref="Path"/> is where its content lives in the model: its
/// name, or once unlinked an orphan key ("#n", shared by every handle of that file). A handle that
/// reads the object itself (not a staged copy) and whose file was changed or unlinked behind it
/// must read <see cref="Version"/>, the bytes it opened, or fail: never mixed or newer bytes.
/// </summary>
internal sealed record ModelHandle(string Path, bool Writable, bool Staged, byte[]? Version = null)
{
    /// <summary>
    /// A handle reading the object whose file was unlinked while another handle was writing it:
    /// it reads the writer's copy while that lives, then the version it had; its reads are made but not compared.
    /// </summary>
    public bool Unchecked { get; init; }

    public bool Orphaned => Path.StartsWith('#');
}

/// <summary>Open files, unlinked files still open, and files whose upload a failed store call left pending.</summary>
internal sealed partial class ReferenceModel
{
    /// <summary>Slots 0..MostHandles-1: a program rarely holds more files open at once, and each is a step to close.</summary>
    public const int MostHandles = 3;
    private readonly SortedDictionary<int, ModelHandle> _handles = [];
    private readonly Dictionary<string, byte[]> _orphans = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private int _orphanCount;

    public IReadOnlyDictionary<int, ModelHandle> Handles => _handles;

    public ModelHandle? Handle(int slot) => _handles.GetValueOrDefault(slot);

    public bool IsOpen(string path) => _handles.Values.Any(h => h.Path == path);

    /// <summary>The mount holds a staged copy while a handle on it is staged: opened for writing, or opened while one was.</summary>
    public bool IsStaged(string path) => _handles.Values.Any(h => h.Path == path && h.Staged);

    public void Open(int slot, string path, bool writable) => _handles[slot] = new ModelHandle(path, writable, writable || IsStaged(path));

    public void Close(int slot) => _handles.Remove(slot);

    /// <summary>What a read through the handle must give (or, with <see cref="ModelHandle.Version"/>, give or fail).</summary>
    public byte[] Content(ModelHandle handle) => handle.Version ?? _orphans.GetValueOrDefault(handle.Path) ?? _nodes[handle.Path].Content;

    /// <summary>
    /// A failed store call may have left the file's upload to the background retries: the bucket
    /// may lag until the next successful upload through a handle or the next remount.
    /// </summary>
    public bool IsPending(string path) => _pending.Contains(path);

    public void Pending(string path)
    {
        if (_nodes.ContainsKey(path)) _pending.Add(path);
    }

    public void Stored(string path) => _pending.Remove(path);

    public void AllStored() => _pending.Clear();

    /// <summary>
    /// Another client changes the file at <paramref name="path"/>, or it goes: handles reading its
    /// object keep the version they had (or fail). A change through this mount they read, as POSIX has it.
    /// </summary>
    private void Changing(string path)
    {
        foreach (var (slot, handle) in _handles.ToList())
            if (handle.Path == path && handle is { Staged: false, Version: null })
                _handles[slot] = handle with { Version = _nodes[path].Content };
    }

    /// <summary>POSIX: an unlinked file stays readable and writable through its open handles, under no name.</summary>
    private void Orphan(string path)
    {
        _pending.Remove(path);
        if (!IsOpen(path)) return;
        bool shared = IsStaged(path);
        if (!shared) Changing(path);
        string orphan = $"#{++_orphanCount}";
        _orphans[orphan] = _nodes[path].Content;
        foreach (var (slot, handle) in _handles.ToList())
            if (handle.Path == path) _handles[slot] = handle with { Path = orphan, Unchecked = handle.Unchecked || shared && !handle.Staged };
    }

    private void MoveHandles(string from, string to)
    {
        foreach (var (slot, handle) in _handles.ToList())
        {
            if (!Below(handle.Path, from)) continue;
            string moved = to + handle.Path[from.Length..];
            // POSIX: the handle reads on, under the new name.
            _handles[slot] = handle with { Path = moved };
        }
        foreach (var path in _pending.Where(p => Below(p, from)).ToList())
        {
            _pending.Remove(path);
            _pending.Add(to + path[from.Length..]);
        }
    }

    private void CopyHandlesTo(ReferenceModel copy)
    {
        foreach (var (slot, handle) in _handles) copy._handles[slot] = handle;
        foreach (var (key, content) in _orphans) copy._orphans[key] = content;
        copy._pending.UnionWith(_pending);
        copy._orphanCount = _orphanCount;
    }
}
