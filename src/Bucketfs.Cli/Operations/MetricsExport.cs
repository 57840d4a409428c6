using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Bucketfs.Cli.Operations;

/// <summary>
/// Serves the mount's meter to monitoring: Prometheus text on --metrics-addr, pushes to an OTLP
/// collector with --otlp-endpoint, both through the OpenTelemetry SDK. With neither, nothing listens
/// to the meter and its instruments record nothing.
/// </summary>
internal static class MetricsExport
{
    public const string MeterName = "bucketfs";

    /// <summary>Latency buckets in seconds, from a page-cache-speed reply to a store call near its timeout (the SDK's defaults are for milliseconds).</summary>
    private static readonly double[] SecondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>The running exporters, or null when none was asked for; disposing stops them.</summary>
    public static IDisposable? Start(MetricsAddress? prometheus, Uri? otlpEndpoint)
    {
        if (prometheus is null && otlpEndpoint is null) return null;
        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("bucketfs"))
            .AddMeter(MeterName)
            .AddView(instrument => instrument is Histogram<double> { Unit: "s" } ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets } : null);
        if (prometheus != null)
            builder.AddPrometheusHttpListener(o =>
            {
                o.Host = prometheus.Host;
                o.Port = prometheus.Port;
                // Each scrape sees the figures of that moment: a scraper comes every few seconds at most.
                o.ScrapeResponseCacheDurationMilliseconds = 0;
            });
        if (otlpEndpoint != null)
            builder.AddOtlpExporter(o =>
            {
                o.Endpoint = otlpEndpoint;
                // A collector's HTTP receiver is addressed by its path; its gRPC one (port 4317) by host and port alone.
                o.Protocol = otlpEndpoint.AbsolutePath.EndsWith("/v1/metrics", StringComparison.Ordinal) ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            });
        return builder.Build();
    }
}
