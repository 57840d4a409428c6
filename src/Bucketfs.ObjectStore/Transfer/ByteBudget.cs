namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// Bytes of buffers held at once over all transfers. A taker waits, first come first served, until
/// its bytes are free; a request larger than the whole budget waits for all of it.
/// </summary>
internal sealed class ByteBudget(long limit)
{
    private readonly long _limit = limit;
    private readonly Lock _lock = new();
    private readonly LinkedList<(long Bytes, TaskCompletionSource Granted)> _waiting = new();
    private long _available = limit;

    public async ValueTask<Lease> TakeAsync(long bytes, CancellationToken cancellation)
    {
        bytes = Math.Min(bytes, _limit);
        LinkedListNode<(long, TaskCompletionSource)> node;
        lock (_lock)
        {
            if (_waiting.Count == 0 && _available >= bytes)
            {
                _available -= bytes;
                return new Lease(this, bytes);
            }
            node = _waiting.AddLast((bytes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
        }
        var granted = node.Value.Item2;
        using (cancellation.Register(() =>
        {
            lock (_lock)
            {
                if (granted.TrySetCanceled(cancellation)) _waiting.Remove(node);
            }
        }))
        {
            await granted.Task.ConfigureAwait(false);
        }
        return new Lease(this, bytes);
    }

    private void Release(long bytes)
    {
        lock (_lock)
        {
            _available += bytes;
            while (_waiting.First is { } first && _available >= first.Value.Bytes)
            {
                _waiting.RemoveFirst();
                _available -= first.Value.Bytes;
                first.Value.Granted.TrySetResult();
            }
        }
    }

    public readonly struct Lease(ByteBudget budget, long bytes) : IDisposable
    {
        public void Dispose() => budget.Release(bytes);
    }
}
