using System.Collections.Concurrent;

namespace Bucketfs.Core.Read;

/// <summary>
/// The bodies of small files fetched with their lookup, kept for the open that follows. Where
/// programs open what they look up (a training epoch, a batch job), a GET of the whole small
/// object answers the lookup and the first read in one request instead of a HEAD and a GET. Where
/// they only look (find, rsync, stat), lookups stay HEADs: the choice is made per directory from
/// how many of its lookups were followed by opens.
/// </summary>
internal sealed class FirstBytes(MemoryLimiter memory, FirstBytesTuning tuning, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Body> _bodies = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Activity> _activity = new(StringComparer.Ordinal);
    private long _held;
    private long _sweptAt;

    private sealed record Body(string ETag, ReadBuffer Buffer, int Length, long At);

    private sealed class Activity
    {
        public int Lookups;
        public int Opens;
    }

    /// <summary>Lookups in this directory are mostly followed by opens.</summary>
    public bool Wanted(string directory)
    {
        lock (_lock) return _activity.TryGetValue(directory, out var a) && a.Opens >= tuning.OpensBeforeWanted && 2 * a.Opens >= a.Lookups;
    }

    public void LookedUp(string directory) => Count(directory, opened: false);

    public void Opened(string directory) => Count(directory, opened: true);

    private void Count(string directory, bool opened)
    {
        lock (_lock)
        {
            if (!_activity.TryGetValue(directory, out var a))
            {
                if (_activity.Count >= tuning.MostDirectories) _activity.Clear();
                _activity[directory] = a = new Activity();
            }
            if (opened) a.Opens++;
            else a.Lookups++;
            // Recent behaviour counts: halve the history now and then.
            if (a.Lookups + a.Opens > tuning.History)
            {
                a.Lookups /= 2;
                a.Opens /= 2;
            }
        }
    }

    /// <summary>A buffer for a body, within the prefetch budget and this cache's share of it; null when there is no room.</summary>
    public ReadBuffer? Rent(int length)
    {
        if (Interlocked.Add(ref _held, length) > tuning.MostHeld || !memory.TryReserve(MemoryArea.FirstBytes, length))
        {
            Interlocked.Add(ref _held, -length);
            return null;
        }
        return memory.Buffers.Rent(length);
    }

    /// <summary>Keeps the first <paramref name="read"/> bytes of a rented buffer of <paramref name="rented"/> bytes for the next open of that version.</summary>
    public void Keep(string path, string etag, ReadBuffer buffer, int rented, int read)
    {
        Give(rented - read, null);
        // A body much shorter than its buffer (a lookup's GET sized for a larger file) moves to one
        // of its size: what is kept is counted by its bytes, and thousands may be kept at once.
        if (buffer.Capacity > 2 * Math.Max(read, 1 << 16))
        {
            var fitted = memory.Buffers.Rent(read);
            buffer.Slice(0, read).CopyTo(fitted.GetSpan());
            memory.Buffers.Return(buffer);
            buffer = fitted;
        }
        Sweep();
        var body = new Body(etag, buffer, read, time.GetTimestamp());
        if (_bodies.TryGetValue(path, out var old) && _bodies.TryRemove(new KeyValuePair<string, Body>(path, old))) Give(old.Length, old.Buffer);
        if (!_bodies.TryAdd(path, body)) Give(read, buffer);
    }

    /// <summary>A rented buffer not kept (the lookup failed).</summary>
    public void Discard(ReadBuffer buffer, int rented) => Give(rented, buffer);

    /// <summary>
    /// The body fetched for this version, if any: the buffer and its reservation, counted as
    /// prefetch from now on, pass to the caller, whose reader's chunk gives them back.
    /// </summary>
    public (ReadBuffer Buffer, int Length)? Take(string path, string etag)
    {
        if (!_bodies.TryRemove(path, out var body)) return null;
        if (body.ETag != etag)
        {
            Give(body.Length, body.Buffer);
            return null;
        }
        Interlocked.Add(ref _held, -body.Length);
        memory.Move(body.Length, MemoryArea.FirstBytes, MemoryArea.Prefetch);
        return (body.Buffer, body.Length);
    }

    private void Sweep()
    {
        long now = time.GetTimestamp(), last = Interlocked.Read(ref _sweptAt);
        if (time.GetElapsedTime(last, now) < tuning.SweepEvery || Interlocked.CompareExchange(ref _sweptAt, now, last) != last) return;
        foreach (var (path, body) in _bodies)
            if (time.GetElapsedTime(body.At, now) > tuning.KeepFor && _bodies.TryRemove(new KeyValuePair<string, Body>(path, body)))
                Give(body.Length, body.Buffer);
    }

    private void Give(int length, ReadBuffer? buffer)
    {
        Interlocked.Add(ref _held, -length);
        memory.Release(MemoryArea.FirstBytes, length);
        if (buffer != null) memory.Buffers.Return(buffer);
    }
}
