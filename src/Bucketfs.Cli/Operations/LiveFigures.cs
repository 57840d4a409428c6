using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Bucketfs.Cli.Operations;

/// <summary>
/// Totals of the mount's instruments for `bucketfs stats`, from a listener that starts with the
/// first look and stops once nobody has looked for <see cref="IdleAfter"/>: until someone asks, and
/// again after, nothing listens and the instruments cost nothing. Counters and histograms add up
/// while it listens (the viewer works with differences within one listening), split by the one tag
/// that matters to it (direction, outcome); gauges are read at each snapshot.
/// </summary>
internal sealed class LiveFigures(string meterName, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(60);

    /// <summary>The tags a total is split by; every other tag is summed over.</summary>
    private static readonly string[] SplitBy = ["network.io.direction", "bucketfs.store.outcome", "fuse.outcome"];

    private readonly ConcurrentDictionary<(Instrument, string), Total> _totals = new();
    private readonly Dictionary<string, double> _gauges = [];
    private readonly Lock _lock = new();
    private MeterListener? _listener;
    private ITimer? _idleCheck;
    private DateTimeOffset _listeningSince;
    private long _lastLook;

    private sealed class Total
    {
        public long Count;
        public double Sum;
    }

    /// <summary>Every total since the first snapshot and every gauge now, keyed "name" or "name{value}".</summary>
    public FiguresSnapshot Snapshot()
    {
        lock (_lock)
        {
            Start();
            _lastLook = time.GetTimestamp();
            _gauges.Clear();
            _listener!.RecordObservableInstruments();
            var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
            var sums = new SortedDictionary<string, double>(StringComparer.Ordinal);
            foreach (var ((instrument, split), total) in _totals)
            {
                string key = split.Length == 0 ? instrument.Name : $"{instrument.Name}{{{split}}}";
                counts[key] = Interlocked.Read(ref total.Count);
                sums[key] = Volatile.Read(ref total.Sum);
            }
            return new FiguresSnapshot(_listeningSince, counts, sums, new SortedDictionary<string, double>(_gauges, StringComparer.Ordinal));
        }
    }

    private void Start()
    {
        if (_listener != null) return;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == meterName) listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Measured(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Measured(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Measured(instrument, value, tags));
        _listener.Start();
        _listeningSince = time.GetUtcNow();
        _idleCheck = time.CreateTimer(_ => StopIfIdle(), null, IdleAfter, IdleAfter);
    }

    private void StopIfIdle()
    {
        lock (_lock)
        {
            if (_listener is null || time.GetElapsedTime(_lastLook) < IdleAfter) return;
            Stop();
        }
    }

    private void Stop()
    {
        _idleCheck?.Dispose();
        _listener?.Dispose();
        _idleCheck = null;
        _listener = null;
        _totals.Clear();
    }

    private void Measured(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (instrument.IsObservable)
        {
            // Gauges are only measured inside Snapshot, under its lock.
            _gauges[instrument.Name] = value;
            return;
        }
        var total = _totals.GetOrAdd((instrument, Split(tags)), static _ => new Total());
        Interlocked.Increment(ref total.Count);
        double seen, sum;
        do
        {
            seen = Volatile.Read(ref total.Sum);
            sum = seen + value;
        }
        while (Interlocked.CompareExchange(ref total.Sum, sum, seen) != seen);
    }

    private static string Split(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
            if (Array.IndexOf(SplitBy, tag.Key) >= 0 && tag.Value is string value) return value;
        return "";
    }

    public void Dispose()
    {
        lock (_lock) Stop();
    }
}

/// <summary>
/// What <see cref="LiveFigures"/> holds at one moment: per key, how many measurements and their sum
/// since <paramref name="ListeningSince"/>; gauges' values.
/// </summary>
internal sealed record FiguresSnapshot(DateTimeOffset ListeningSince, SortedDictionary<string, long> Counts, SortedDictionary<string, double> Sums, SortedDictionary<string, double> Gauges);
