using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Bucketfs.Cli.Operations;

/// <summary>
/// Totals of the mount's instruments for `bucketfs stats`, from a listener that starts with the
/// first look: until someone asks, nothing listens and the instruments cost nothing. Counters and
/// histograms add up from then on (the viewer works with differences), split by the one tag that
/// matters to it (direction, outcome); gauges are read at each snapshot.
/// </summary>
internal sealed class LiveFigures(string meterName) : IDisposable
{
    /// <summary>The tags a total is split by; every other tag is summed over.</summary>
    private static readonly string[] SplitBy = ["network.io.direction", "bucketfs.store.outcome", "fuse.outcome"];

    private readonly ConcurrentDictionary<(Instrument, string), Total> _totals = new();
    private readonly Dictionary<string, double> _gauges = [];
    private readonly Lock _lock = new();
    private MeterListener? _listener;

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
            return new FiguresSnapshot(counts, sums, new SortedDictionary<string, double>(_gauges, StringComparer.Ordinal));
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
        lock (_lock) _listener?.Dispose();
    }
}

/// <summary>What <see cref="LiveFigures"/> holds at one moment: per key, how many measurements and their sum; gauges' values.</summary>
internal sealed record FiguresSnapshot(SortedDictionary<string, long> Counts, SortedDictionary<string, double> Sums, SortedDictionary<string, double> Gauges);
