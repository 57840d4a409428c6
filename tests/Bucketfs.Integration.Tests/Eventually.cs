using System.Diagnostics;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// Waits for something a test can observe (an upload listed, a request seen at a proxy, a process
/// ended) by asking again every few milliseconds, up to a bound, instead of sleeping a guessed time.
/// </summary>
internal static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(30);

    /// <summary>The last value <paramref name="probe"/> gave: the first that is <paramref name="done"/>, or the one at the bound.</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? bound = null)
    {
        var clock = Stopwatch.StartNew();
        T value = await probe();
        while (!done(value) && clock.Elapsed < (bound ?? DefaultBound))
        {
            await Task.Delay(Interval);
            value = await probe();
        }
        return value;
    }

    /// <summary>Whether <paramref name="condition"/> held within the bound.</summary>
    public static bool Holds(Func<bool> condition, TimeSpan? bound = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed >= (bound ?? DefaultBound)) return false;
            Thread.Sleep(Interval);
        }
        return true;
    }
}
