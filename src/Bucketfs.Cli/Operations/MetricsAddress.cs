namespace Bucketfs.Cli.Operations;

/// <summary>Where --metrics-addr has Prometheus scrape the metrics.</summary>
internal sealed record MetricsAddress(string Host, int Port)
{
    /// <summary>HOST:PORT; 0.0.0.0, * or an empty host listen on every address.</summary>
    public static MetricsAddress Parse(string option, string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !ushort.TryParse(text.AsSpan(colon + 1), out ushort port) || port == 0)
            throw new UsageException($"{option} '{text}': expected HOST:PORT, like 127.0.0.1:9464");
        string host = text[..colon];
        if (host is "" or "0.0.0.0" or "*" or "[::]") return new MetricsAddress("*", port);
        if (Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown) throw new UsageException($"{option} '{text}': '{host}' is not a host name or address");
        return new MetricsAddress(host, port);
    }

    public override string ToString() => $"http://{Host}:{Port}/metrics";
}
