using System.Diagnostics.Metrics;

namespace Bucketfs.ObjectStore;

/// <summary>
/// Requests to the store on the mount's meter: each attempt by operation and outcome with its
/// latency, retries, and the object data sent and received. Store requests are few and large next
/// to FUSE requests; still nothing is recorded unless a listener is attached.
/// </summary>
public sealed class StoreMetrics(Meter meter)
{
    public const string Ok = "ok";

    private readonly Histogram<double> _duration = meter.CreateHistogram<double>(
        "bucketfs.store.request.duration", "s", "Store requests (each attempt), by operation and outcome, and how long each took");

    private readonly Counter<long> _retries = meter.CreateCounter<long>(
        "bucketfs.store.retries", "{request}", "Store requests that were attempts after the first, by operation");

    private readonly Counter<long> _io = meter.CreateCounter<long>(
        "bucketfs.store.io", "By", "Object data sent to (transmit) and received from (receive) the store");

    /// <summary>One attempt ended: <paramref name="outcome"/> is <see cref="Ok"/> or the error it failed with.</summary>
    public void Attempted(string operation, int attempt, string outcome, TimeSpan elapsed, long sent, long received)
    {
        var kind = new KeyValuePair<string, object?>("bucketfs.store.operation", operation);
        if (_duration.Enabled) _duration.Record(elapsed.TotalSeconds, kind, new("bucketfs.store.outcome", outcome));
        if (attempt > 1) _retries.Add(1, kind);
        if (sent > 0) _io.Add(sent, new KeyValuePair<string, object?>("network.io.direction", "transmit"));
        if (received > 0) _io.Add(received, new KeyValuePair<string, object?>("network.io.direction", "receive"));
    }
}
