using System.Diagnostics.Metrics;
using Bucketfs.Cli.Operations;
using Microsoft.Extensions.Time.Testing;

namespace Bucketfs.Cli.Tests;

/// <summary>`bucketfs stats` listens to the mount's meter only while someone looks.</summary>
public sealed class LiveFiguresTests
{
    private readonly string _meterName = "bucketfs-test-" + Guid.NewGuid().ToString("N");

    [Fact]
    public void CountsOnlyWhileLookedAtAndStopsListeningOnceNobodyLooks()
    {
        var time = new FakeTimeProvider();
        using var meter = new Meter(_meterName);
        var requests = meter.CreateCounter<long>("requests");
        var io = meter.CreateCounter<long>("io", "By");
        using var figures = new LiveFigures(_meterName, time);
        requests.Add(1);
        Assert.False(requests.Enabled);

        var first = figures.Snapshot();
        requests.Add(1);
        io.Add(4096, new KeyValuePair<string, object?>("network.io.direction", "receive"));
        time.Advance(LiveFigures.IdleAfter / 2);
        var second = figures.Snapshot();

        Assert.Empty(first.Counts);
        Assert.Equal(1, second.Counts["requests"]);
        Assert.Equal(4096, second.Sums["io{receive}"]);
        Assert.True(requests.Enabled);

        time.Advance(LiveFigures.IdleAfter * 2);

        Assert.False(requests.Enabled);
        var third = figures.Snapshot();
        Assert.Empty(third.Counts);
        Assert.NotEqual(second.ListeningSince, third.ListeningSince);
    }
}
