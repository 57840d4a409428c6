using System.Net;
using System.Net.Sockets;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// A TCP forwarder to a store that a test can cut: while cut, open connections are dropped and new
/// ones refused, as when the store goes away mid-write, without stopping the store other tests use.
/// It also notes the request line of every request without a body (GET, HEAD), so a test can count
/// what reached the store.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private volatile bool _cut;
    private readonly List<string> _requests = [];

    private static readonly string[] NotedHeaders = ["Range:", "If-Match:"];

    /// <summary>Request lines seen so far, each with its Range and If-Match headers ("GET /bucket/key?… HTTP/1.1 Range: bytes=0-99").</summary>
    public List<string> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    public void ClearRequests()
    {
        lock (_requests) _requests.Clear();
    }

    public FaultProxy(string target)
    {
        _target = new Uri(target);
        _listener.Start();
        _ = AcceptLoop();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Cut()
    {
        lock (_open)
        {
            _cut = true;
            foreach (var client in _open) client.Dispose();
            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (_cut)
            {
                inbound.Dispose();
                continue;
            }
            _ = Forward(inbound);
        }
    }

    private async Task Forward(TcpClient inbound)
    {
        var outbound = new TcpClient();
        lock (_open)
        {
            // Cut between the accept and here: this connection must not outlive it.
            if (_cut)
            {
                inbound.Dispose();
                outbound.Dispose();
                return;
            }
            _open.Add(inbound);
            _open.Add(outbound);
        }
        try
        {
            await outbound.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            var a = inbound.GetStream();
            var b = outbound.GetStream();
            await Task.WhenAny(CopyNotingRequests(a, b), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }

    /// <summary>
    /// Forwards what the client sends. Bodiless requests follow each other header block after
    /// header block, so a line that opens a block and looks like a request line is one.
    /// </summary>
    private async Task CopyNotingRequests(Stream from, Stream to)
    {
        var buffer = new byte[64 * 1024];
        var line = new System.Text.StringBuilder();
        bool atBlockStart = true;
        int noted = -1;
        int n;
        while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            for (int i = 0; i < n; i++)
            {
                char c = (char)buffer[i];
                if (c != '\n')
                {
                    if (c != '\r' && line.Length < 4096) line.Append(c);
                    continue;
                }
                string text = line.ToString();
                line.Clear();
                lock (_requests)
                {
                    if (atBlockStart && text.EndsWith(" HTTP/1.1", StringComparison.Ordinal))
                    {
                        _requests.Add(text);
                        noted = _requests.Count - 1;
                    }
                    else if (noted >= 0 && noted < _requests.Count && NotedHeaders.Any(h => text.StartsWith(h, StringComparison.OrdinalIgnoreCase)))
                    {
                        _requests[noted] += " " + text;
                    }
                }
                if (text.Length == 0) noted = -1;
                atBlockStart = text.Length == 0;
            }
            await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
    }
}
