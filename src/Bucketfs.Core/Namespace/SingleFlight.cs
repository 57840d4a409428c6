using System.Collections.Concurrent;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// One piece of work per key at a time: whoever asks while it runs gets the same task. The work is
/// not tied to any caller's cancellation (a caller that gives up stops waiting, not the others),
/// and leaves the table when it ends, so a later ask starts it afresh.
/// </summary>
internal sealed class SingleFlight<T>
{
    private readonly ConcurrentDictionary<string, Task<T>> _running = new(StringComparer.Ordinal);

    /// <summary>The work under way for <paramref name="key"/>, if any.</summary>
    public bool TryGet(string key, out Task<T> running) => _running.TryGetValue(key, out running!);

    /// <summary>The work under way for <paramref name="key"/>, or <paramref name="work"/> started now.</summary>
    public Task<T> Run<TState>(string key, TState state, Func<TState, Task<T>> work)
    {
        var mine = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = _running.GetOrAdd(key, mine.Task);
        if (shared == mine.Task) _ = RunAsync(key, mine, state, work);
        return shared;
    }

    private async Task RunAsync<TState>(string key, TaskCompletionSource<T> mine, TState state, Func<TState, Task<T>> work)
    {
        T result = default!;
        Exception? failure = null;
        try
        {
            result = await work(state).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }
        // Out of the table first, so whoever asks from now on starts it again.
        _running.TryRemove(new KeyValuePair<string, Task<T>>(key, mine.Task));
        if (failure is null) mine.SetResult(result);
        else mine.SetException(failure);
    }
}
