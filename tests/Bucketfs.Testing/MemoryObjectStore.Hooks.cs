using System.Numerics;
using Bucketfs.ObjectStore;

namespace Bucketfs.Testing;

public sealed partial class MemoryObjectStore
{
    private readonly Lock _hooks = new();
    private readonly int[] _calls = new int[BitOperations.PopCount((uint)StoreOperation.All)];
    private readonly List<ReadRange> _ranges = [];
    private readonly List<Failure> _failures = [];
    private readonly Dictionary<StoreOperation, TimeSpan> _delays = [];
    private readonly List<StoreGate> _gates = [];

    /// <summary>How many calls of these kinds the store has received: failed ones and ones cancelled while held or delayed count too.</summary>
    public int Calls(StoreOperation kinds)
    {
        lock (_hooks)
            return Enumerable.Range(0, _calls.Length).Where(i => ((int)kinds & 1 << i) != 0).Sum(i => _calls[i]);
    }

    /// <summary>The bytes every GET asked for (reads, whole reads, HEAD-and-reads), in the order they came.</summary>
    public IReadOnlyList<ReadRange> ReadRanges()
    {
        lock (_hooks) return _ranges.ToList();
    }

    /// <summary>The next <paramref name="count"/> calls of any of these kinds fail with <paramref name="error"/>.</summary>
    public void FailNext(StoreOperation kinds, StoreError error, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_hooks) _failures.Add(new Failure(kinds, error, count));
    }

    /// <summary>Every call of these kinds fails with <paramref name="error"/> until <see cref="StopFailing"/>.</summary>
    public void FailAlways(StoreOperation kinds, StoreError error)
    {
        lock (_hooks) _failures.Add(new Failure(kinds, error, Remaining: null));
    }

    /// <summary>Forgets every failure asked for that has not happened yet.</summary>
    public void StopFailing()
    {
        lock (_hooks) _failures.Clear();
    }

    /// <summary>Calls of these kinds take <paramref name="delay"/> (on the store's <see cref="TimeProvider"/>) before answering; zero ends it.</summary>
    public void Delay(StoreOperation kinds, TimeSpan delay)
    {
        lock (_hooks)
            foreach (var kind in Kinds(kinds))
                if (delay > TimeSpan.Zero) _delays[kind] = delay;
                else _delays.Remove(kind);
    }

    /// <summary>Calls of these kinds wait at the returned gate until it is released, so a test can have several in flight at once.</summary>
    public StoreGate Hold(StoreOperation kinds)
    {
        var gate = new StoreGate(kinds);
        lock (_hooks) _gates.Add(gate);
        return gate;
    }

    /// <summary>What every call goes through first: counted, then held, delayed or failed as the hooks say.</summary>
    private async Task Enter(StoreOperation kind, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        StoreGate[] gates;
        TimeSpan delay;
        StoreError? failure;
        lock (_hooks)
        {
            _calls[BitOperations.TrailingZeroCount((int)kind)]++;
            _gates.RemoveAll(g => g.IsReleased);
            gates = _gates.Where(g => (g.Kinds & kind) != 0).ToArray();
            delay = _delays.GetValueOrDefault(kind);
            failure = TakeFailure(kind);
        }
        // A store call answers later, never before its caller goes on, as over a network.
        await Task.Yield();
        foreach (var gate in gates) await gate.PassAsync(cancellation).ConfigureAwait(false);
        if (delay > TimeSpan.Zero) await Task.Delay(delay, _time, cancellation).ConfigureAwait(false);
        cancellation.ThrowIfCancellationRequested();
        if (failure is { } error) throw new ObjectStoreException(error, $"{kind}: failed by the test ({error})");
    }

    /// <summary>Decided as the call arrives, so the Nth call to come is the one that fails however long it is held.</summary>
    private StoreError? TakeFailure(StoreOperation kind)
    {
        int index = _failures.FindIndex(f => (f.Kinds & kind) != 0);
        if (index < 0) return null;
        var failure = _failures[index];
        if (failure.Remaining is { } remaining)
        {
            if (remaining == 1) _failures.RemoveAt(index);
            else _failures[index] = failure with { Remaining = remaining - 1 };
        }
        return failure.Error;
    }

    private void Record(string key, long offset, int length)
    {
        lock (_hooks) _ranges.Add(new ReadRange(key, offset, length));
    }

    private static IEnumerable<StoreOperation> Kinds(StoreOperation kinds) =>
        Enum.GetValues<StoreOperation>().Where(k => BitOperations.IsPow2((int)k) && (kinds & k) != 0);

    private sealed record Failure(StoreOperation Kinds, StoreError Error, int? Remaining);
}
