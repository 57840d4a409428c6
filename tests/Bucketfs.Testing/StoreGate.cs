namespace Bucketfs.Testing;

/// <summary>Holds the calls of some kinds in flight until the test releases them (see <see cref="MemoryObjectStore.Hold"/>).</summary>
public sealed class StoreGate : IDisposable
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _watchers = [];
    private int _arrived, _waiting;

    internal StoreGate(StoreOperation kinds) => Kinds = kinds;

    /// <summary>The kinds of call this gate holds.</summary>
    public StoreOperation Kinds { get; }

    /// <summary>How many calls are held here now (a cancelled one leaves).</summary>
    public int Waiting
    {
        get { lock (_lock) return _waiting; }
    }

    /// <summary>Completes once <paramref name="count"/> calls in all have reached the gate, so a test knows they are in flight.</summary>
    public Task WhenArrived(int count)
    {
        lock (_lock)
        {
            if (_arrived >= count) return Task.CompletedTask;
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _watchers.Add((count, reached));
            return reached.Task;
        }
    }

    /// <summary>Lets the held calls and every later one through.</summary>
    public void Release() => _open.TrySetResult();

    public void Dispose() => Release();

    internal bool IsReleased => _open.Task.IsCompleted;

    internal async Task PassAsync(CancellationToken cancellation)
    {
        List<TaskCompletionSource> reached;
        lock (_lock)
        {
            _arrived++;
            _waiting++;
            reached = _watchers.Where(w => w.Count <= _arrived).Select(w => w.Reached).ToList();
            _watchers.RemoveAll(w => w.Count <= _arrived);
        }
        foreach (var r in reached) r.SetResult();
        try
        {
            await _open.Task.WaitAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock) _waiting--;
        }
    }
}
