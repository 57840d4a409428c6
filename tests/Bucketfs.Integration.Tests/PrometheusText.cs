using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bucketfs.Integration.Tests;

/// <summary>A scrape of a mount's --metrics-addr, read as the Prometheus text format: one "name{labels} value" per line.</summary>
internal sealed class PrometheusText(string text)
{
    /// <summary>A port nothing listens on now, for --metrics-addr.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static async Task<PrometheusText> ScrapeAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return new PrometheusText(await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
    }

    /// <summary>The sum over every series of <paramref name="name"/> whose labels include each of <paramref name="labels"/> (like fuse_opcode="read").</summary>
    public double Sum(string name, params string[] labels)
    {
        double sum = 0;
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            int space = line.LastIndexOf(' ');
            int brace = line.IndexOf('{');
            string series = line[..space];
            string metric = brace >= 0 && brace < space ? series[..brace] : series;
            if (metric != name || !labels.All(l => series.Contains(l, StringComparison.Ordinal))) continue;
            sum += double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return sum;
    }

    public override string ToString() => text;
}
