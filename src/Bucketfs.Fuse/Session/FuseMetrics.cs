using System.Diagnostics.Metrics;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Fuse.Session;

/// <summary>
/// FUSE operations by opcode and outcome, with the time from a request's arrival to its reply, on
/// the meter the session is given. Nothing is measured unless a listener is attached, so an
/// unobserved mount pays one flag check per request.
/// </summary>
internal sealed class FuseMetrics(Meter meter, TimeProvider time)
{
    // Tag values made once: a name per request would allocate on the read path.
    private static readonly string[] OpcodeNames = Names();

    private readonly Histogram<double> _duration = meter.CreateHistogram<double>(
        "bucketfs.fuse.operation.duration", "s", "FUSE requests served, by opcode and outcome: time from arrival to reply");

    public void Served(FuseOpcode opcode, bool failed, long arrived)
    {
        if (!_duration.Enabled) return;
        int index = (int)opcode;
        string name = (uint)index < (uint)OpcodeNames.Length ? OpcodeNames[index] : "other";
        _duration.Record(time.GetElapsedTime(arrived).TotalSeconds, new("fuse.opcode", name), new("fuse.outcome", failed ? "error" : "ok"));
    }

    private static string[] Names()
    {
        var values = Enum.GetValues<FuseOpcode>();
        var names = new string[(int)values.Max() + 1];
        Array.Fill(names, "other");
        foreach (var value in values) names[(int)value] = value.ToString().ToLowerInvariant();
        return names;
    }
}
