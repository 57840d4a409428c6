using System.Net;
using System.Net.Sockets;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// A TCP forwarder to a store that a test can cut: while cut, open connections are dropped and new
/// ones refused, as when the store goes away mid-write, without stopping the store other tests use.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private volatile bool _cut;

    public FaultProxy(string target)
    {
        _target = new Uri(target);
        _listener.Start();
        _ = AcceptLoop();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
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
            _open.Add(inbound);
            _open.Add(outbound);
        }
        try
        {
            await outbound.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            var a = inbound.GetStream();
            var b = outbound.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
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

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
    }
}
