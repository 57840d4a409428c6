using System.Net;
using System.Net.Sockets;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// An HTTP/1.1 proxy in front of a store that breaks chosen requests the ways stores and networks
/// do, one request at a time on kept-alive connections, so a test can aim a fault at one operation
/// without the byte counting of a TCP forwarder. Headers pass unchanged, Host included: the client
/// signed the proxy's address, and the store checks what was signed.
/// </summary>
public sealed partial class HttpFaultProxy : IDisposable
{
    private const int Piece = 64 * 1024;
    /// <summary>Largest chunked or close-delimited body buffered to learn its length for a body fault; a longer one ends in a reset.</summary>
    private const int BufferLimit = 64 << 20;
    private const int LongBodyExtra = 1024;
    private const int HeadLimit = 64 * 1024;
    private static readonly byte[] Continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly Random _random;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Armed> _rules = [];
    private CancellationTokenSource _release = new();
    private int _faulted;
    private readonly List<string> _requests = [];
    private readonly List<SeenRequest> _seen = [];
    private readonly HashSet<Connection> _open = [];
    private int _connections;
    private volatile bool _outage;

    public HttpFaultProxy(string targetEndpoint) : this(targetEndpoint, seed: 0)
    {
    }

    /// <param name="seed">Seeds the rolls of rules with a <see cref="FaultRule.Probability"/>, so a run can be repeated.</param>
    public HttpFaultProxy(string targetEndpoint, int seed)
    {
        _target = new Uri(targetEndpoint);
        _random = new Random(seed);
        _listener.Start();
        _ = AcceptLoop();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>"METHOD target" of every request read, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    /// <summary>Every request read, with its header fields (names in lower case), so a test can see what was sent.</summary>
    public IReadOnlyList<SeenRequest> Seen
    {
        get { lock (_requests) return [.. _seen]; }
    }

    /// <summary>Requests (and refused connections) a rule was applied to.</summary>
    public int Faulted
    {
        get { lock (_rules) return _faulted; }
    }

    /// <summary>Client connections accepted and served (refused ones are not counted), so a test can see keep-alive at work.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public void Add(FaultRule rule)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rule.Times);
        lock (_rules) _rules.Add(new Armed(rule));
    }

    /// <summary>Removes every rule and closes the connections stalled by one.</summary>
    public void Clear()
    {
        CancellationTokenSource stalls;
        lock (_rules)
        {
            _rules.Clear();
            stalls = _release;
            _release = new CancellationTokenSource();
        }
        // Outside the lock: stalled connections close on this thread.
        stalls.Cancel();
    }

    /// <summary>While on, new connections are reset when accepted and open ones are reset now, as when the store's host goes away.</summary>
    public void Outage(bool on)
    {
        _outage = on;
        if (on) ResetAll();
    }

    /// <summary>
    /// Stops listening and resets every connection. It does not wait for the connections' tasks:
    /// with their sockets closed and tokens cancelled they can only fail and end, while blocking a
    /// pool thread on them cost up to a second of thread injection on a two-core machine.
    /// </summary>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        ResetAll();
    }

    private void ResetAll()
    {
        List<Connection> open;
        lock (_open) open = [.. _open];
        foreach (var connection in open) connection.Close(abort: true);
    }

    private async Task AcceptLoop()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (_outage || Refuses())
            {
                Abort(socket);
                continue;
            }
            Interlocked.Increment(ref _connections);
            socket.NoDelay = true;
            var connection = new Connection(socket, _stop.Token);
            // One accepted as Dispose runs may miss its reset: its token, linked to the proxy's,
            // then ends it at its first read.
            lock (_open) _open.Add(connection);
            _ = Task.Run(() => Serve(connection));
        }
    }

    private bool Refuses()
    {
        lock (_rules)
        {
            var armed = _rules.FirstOrDefault(a => a.Rule.Fault == Fault.Refuse && a.Remaining > 0);
            return armed != null && Fire(armed);
        }
    }

    /// <summary>The fault for a request, if any, and the token that ends a stall it causes.</summary>
    private (Fault? Fault, CancellationToken Release) Choose(string method, string target)
    {
        string request = $"{method} {target}";
        lock (_rules)
        {
            var armed = _rules.FirstOrDefault(a => a.Remaining > 0 && a.Rule.Fault != Fault.Refuse
                && (a.Rule.Method == null || a.Rule.Method.Equals(method, StringComparison.OrdinalIgnoreCase))
                && (a.Rule.PathContains == null || target.Contains(a.Rule.PathContains, StringComparison.Ordinal))
                && (a.Rule.Match == null || a.Rule.Match(request)));
            return (armed != null && Fire(armed) ? armed.Rule.Fault : null, _release.Token);
        }
    }

    /// <summary>Rolls for a matching rule and, when it applies, uses up one of its times. Under the rules' lock.</summary>
    private bool Fire(Armed armed)
    {
        if (armed.Rule.Probability < 1.0 && _random.NextDouble() >= armed.Rule.Probability) return false;
        armed.Remaining--;
        _faulted++;
        return true;
    }

    private sealed class Armed(FaultRule rule)
    {
        public FaultRule Rule { get; } = rule;
        public int Remaining { get; set; } = rule.Times;
    }
}

/// <summary>A request as <see cref="HttpFaultProxy"/> read it: method, target and header fields.</summary>
public sealed record SeenRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers)
{
    public string? this[string name] => Headers.GetValueOrDefault(name.ToLowerInvariant());
}
