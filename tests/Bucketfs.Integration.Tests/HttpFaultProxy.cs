using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security;
using System.Text;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// What <see cref="HttpFaultProxy"/> does to a request a rule picks. A connection that fails
/// before any byte of an answer (ResetBeforeAnswer, Refuse, a released StallBeforeAnswer) is
/// retried by .NET's HTTP client on its own, whatever the SDK's MaxErrorRetry: seen here up to 10
/// times, so such a rule needs Times of 11 or more for the caller to see the failure.
/// </summary>
public enum Fault
{
    /// <summary>Answers 500 InternalError in S3's XML without asking the store.</summary>
    ServerError,
    /// <summary>Answers 503 SlowDown in S3's XML without asking the store.</summary>
    SlowDown,
    /// <summary>Reads the request, then resets the connection without answering.</summary>
    ResetBeforeAnswer,
    /// <summary>Forwards; sends the response head and half the body, then resets the connection.</summary>
    ResetMidBody,
    /// <summary>Forwards; sends half the body with Content-Length saying so (Content-Range untouched); the connection stays usable.</summary>
    ShortBody,
    /// <summary>Forwards; appends garbage after the body with Content-Length counting it.</summary>
    LongBody,
    /// <summary>Reads the request and never answers, until Clear(), Outage(true) or Dispose().</summary>
    StallBeforeAnswer,
    /// <summary>Forwards; sends the response head and half the body, then nothing until Clear(), Outage(true) or Dispose().</summary>
    StallMidBody,
    /// <summary>Resets new connections as soon as they are accepted; a rule's request filters do not apply.</summary>
    Refuse,
}

/// <summary>
/// Which requests get a fault. A rule is used up by the requests (connections, for Refuse) it is
/// applied to; a request it matches but that loses the <see cref="Probability"/> roll is forwarded
/// untouched, without trying later rules.
/// </summary>
public sealed record FaultRule(Fault Fault)
{
    /// <summary>The request method, any when null.</summary>
    public string? Method { get; init; }
    /// <summary>Part of the request target (path and query), any when null.</summary>
    public string? PathContains { get; init; }
    /// <summary>A further test of "METHOD target".</summary>
    public Func<string, bool>? Match { get; init; }
    public int Times { get; init; } = int.MaxValue;
    public double Probability { get; init; } = 1.0;
}

/// <summary>
/// An HTTP/1.1 proxy in front of a store that breaks chosen requests the ways stores and networks
/// do, one request at a time on kept-alive connections, so a test can aim a fault at one operation
/// without the byte counting of a TCP forwarder. Headers pass unchanged, Host included: the client
/// signed the proxy's address, and the store checks what was signed.
/// </summary>
public sealed class HttpFaultProxy : IDisposable
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

    private async Task Serve(Connection connection)
    {
        bool clean = false;
        try
        {
            var client = new HttpReader(connection.ClientStream);
            while (await Exchange(connection, client)) { }
            clean = true;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            connection.Close(abort: !clean);
            lock (_open) _open.Remove(connection);
            connection.Dispose();
        }
    }

    /// <summary>Serves one request; false when the client connection is done with (it closed, or one side said close).</summary>
    private async Task<bool> Exchange(Connection connection, HttpReader client)
    {
        var token = connection.Token;
        var request = await Head.ReadAsync(client, token);
        if (request == null) return false;
        string[] line = request.StartLine.Split(' ');
        if (line.Length != 3) throw new IOException($"not a request line: {request.StartLine}");
        string method = line[0], target = line[1];
        lock (_requests) _requests.Add($"{method} {target}");
        var (fault, release) = Choose(method, target);
        var requestBody = Body.OfRequest(request);

        bool expectsContinue = request.Lists("Expect", "100-continue");
        bool keepClient = !request.Lists("Connection", "close");
        switch (fault)
        {
            case Fault.ServerError or Fault.SlowDown:
                await DrainAsync(connection, client, requestBody, expectsContinue);
                await connection.ClientStream.WriteAsync(ErrorAnswer(fault.Value, method, target, keepClient), token);
                return keepClient;
            case Fault.ResetBeforeAnswer:
                await DrainAsync(connection, client, requestBody, expectsContinue);
                return Reset();
            case Fault.StallBeforeAnswer:
                await DrainAsync(connection, client, requestBody, expectsContinue);
                return await Stall(release, token);
        }

        var (upstream, store) = await connection.UpstreamAsync(_target);
        await upstream.WriteAsync(request.ToBytes(), token);
        // A store that closed an idle kept-alive connection as the request arrived ends this
        // read: closing the client's connection too lets it retry as it would against the store.
        async Task<Head> Answer() => await Head.ReadAsync(store, token) ?? throw new EndOfStreamException();
        Head? response = null;
        if (expectsContinue)
        {
            // The store decides whether it wants the body: its 100 lets the client send it, and a
            // final answer instead (an error) means the body never comes, as the client gives up
            // the connection rather than send it.
            response = await Answer();
            if (response.Status is >= 100 and < 200)
            {
                await connection.ClientStream.WriteAsync(Continue, token);
                response = null;
            }
            else keepClient = false;
        }
        if (response == null)
        {
            await requestBody.CopyAsync(client, upstream, token);
            do response = await Answer();
            while (response.Status is >= 100 and < 200);
        }
        var responseBody = Body.OfResponse(method, response);
        keepClient &= !response.Lists("Connection", "close");
        bool keepUpstream = keepClient && responseBody.Framing != Framing.UntilClose;

        if (fault is not (Fault.ResetMidBody or Fault.ShortBody or Fault.LongBody or Fault.StallMidBody))
        {
            await connection.ClientStream.WriteAsync(response.ToBytes(), token);
            await responseBody.CopyAsync(store, connection.ClientStream, token);
            if (!keepUpstream) connection.DropUpstream();
            // A close-delimited body ends only when the client's connection closes too.
            return keepUpstream;
        }

        if (responseBody.Framing == Framing.None)
        {
            // Nothing to cut or lengthen: the head passes as it came.
            await connection.ClientStream.WriteAsync(response.ToBytes(), token);
            return fault switch
            {
                Fault.ResetMidBody => Reset(),
                Fault.StallMidBody => await Stall(release, token),
                _ => keepClient,
            };
        }

        // A body fault needs the body's length: chunked and close-delimited bodies are read
        // whole first and sent on with a Content-Length.
        byte[]? buffered = responseBody.Framing == Framing.Length ? null : await responseBody.BufferAsync(store, BufferLimit, token);
        long length = buffered?.Length ?? responseBody.Length;
        long sent = fault == Fault.LongBody ? length : length / 2;
        long announced = fault switch { Fault.ShortBody => sent, Fault.LongBody => length + LongBodyExtra, _ => length };
        var head = response.With("Transfer-Encoding", null).With("Content-Length", announced.ToString(CultureInfo.InvariantCulture));
        await connection.ClientStream.WriteAsync(head.ToBytes(), token);
        if (buffered != null) await connection.ClientStream.WriteAsync(buffered.AsMemory(0, (int)sent), token);
        else await Body.CopyExactAsync(store, connection.ClientStream, sent, token);
        switch (fault)
        {
            case Fault.ResetMidBody:
                return Reset();
            case Fault.StallMidBody:
                return await Stall(release, token);
            case Fault.LongBody:
                var garbage = new byte[LongBodyExtra];
                lock (_rules) _random.NextBytes(garbage);
                await connection.ClientStream.WriteAsync(garbage, token);
                break;
        }
        // The rest of a cut body is still on its way from the store: that connection is spoilt.
        if (!keepUpstream || buffered == null && sent < length) connection.DropUpstream();
        return keepClient;
    }

    /// <summary>Reads a request body that will not be forwarded, first asking for it if the client waits to be asked.</summary>
    private static async Task DrainAsync(Connection connection, HttpReader client, Body body, bool expectsContinue)
    {
        if (expectsContinue) await connection.ClientStream.WriteAsync(Continue, connection.Token);
        await body.CopyAsync(client, Stream.Null, connection.Token);
    }

    /// <summary>Ends the connection without answering; Serve resets it.</summary>
    private static bool Reset() => throw new OperationCanceledException();

    /// <summary>Holds the connection until Clear() or Dispose() (or Outage) cancels one of the tokens; Serve then resets it.</summary>
    private static async Task<bool> Stall(CancellationToken release, CancellationToken connection)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(release, connection);
        await Task.Delay(Timeout.Infinite, either.Token);
        return false;
    }

    private static byte[] ErrorAnswer(Fault fault, string method, string target, bool keepAlive)
    {
        var (status, code, message) = fault == Fault.SlowDown
            ? ("503 Slow Down", "SlowDown", "Please reduce your request rate.")
            : ("500 Internal Server Error", "InternalError", "We encountered an internal error. Please try again.");
        string resource = SecurityElement.Escape(target.Split('?')[0]);
        byte[] body = method == "HEAD" ? [] : Encoding.UTF8.GetBytes(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><Resource>{resource}</Resource><RequestId>http-fault-proxy</RequestId></Error>");
        string head = $"HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {body.Length}\r\nx-amz-request-id: http-fault-proxy\r\n"
            + (keepAlive ? "" : "Connection: close\r\n") + "\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    private static void Abort(Socket socket)
    {
        try
        {
            // Linger 0: close sends RST, as a refusing or crashing peer does, instead of FIN.
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
        }
        socket.Dispose();
    }

    private sealed class Armed(FaultRule rule)
    {
        public FaultRule Rule { get; } = rule;
        public int Remaining { get; set; } = rule.Times;
    }

    /// <summary>A client connection and the store connection its requests go to, opened when first needed.</summary>
    private sealed class Connection(Socket client, CancellationToken stop) : IDisposable
    {
        private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        private Socket? _upstream;
        private NetworkStream? _upstreamStream;
        private HttpReader? _store;

        public NetworkStream ClientStream { get; } = new(client, ownsSocket: false);
        public CancellationToken Token => _cancel.Token;

        public async Task<(NetworkStream Stream, HttpReader Reader)> UpstreamAsync(Uri target)
        {
            if (_upstreamStream == null || _store == null)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                Volatile.Write(ref _upstream, socket);
                await socket.ConnectAsync(target.Host, target.Port, _cancel.Token);
                _upstreamStream = new NetworkStream(socket, ownsSocket: false);
                _store = new HttpReader(_upstreamStream);
            }
            return (_upstreamStream, _store);
        }

        public void DropUpstream()
        {
            Interlocked.Exchange(ref _upstream, null)?.Dispose();
            _upstreamStream = null;
            _store = null;
        }

        /// <summary>Closes both sides (resetting the client's when aborting) and wakes whatever waits on them. From any thread, any number of times.</summary>
        public void Close(bool abort)
        {
            try
            {
                _cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
            if (abort) Abort(client);
            else client.Dispose();
            Volatile.Read(ref _upstream)?.Dispose();
        }

        /// <summary>Once served: unhooks the connection's token from the proxy's.</summary>
        public void Dispose() => _cancel.Dispose();
    }

    /// <summary>A start line and header fields, kept in their order and spelling.</summary>
    private sealed class Head(string startLine, List<(string Name, string Value)> fields)
    {
        public string StartLine => startLine;

        /// <summary>The status code, for a response.</summary>
        public int Status => int.TryParse(startLine.Split(' ', 3)[1], out int status) ? status : throw new IOException($"not a status line: {startLine}");

        public string? this[string name] => fields.Where(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value).FirstOrDefault();

        /// <summary>Whether a comma-separated header (Connection, Transfer-Encoding, Expect) lists the token.</summary>
        public bool Lists(string name, string token) => fields.Any(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)
            && f.Value.Split(',').Any(t => t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase)));

        /// <summary>A copy with the header set to the value, or removed when null.</summary>
        public Head With(string name, string? value) =>
            new(startLine, [.. fields.Where(f => !f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)), .. value == null ? [] : new[] { (name, value) }]);

        public byte[] ToBytes()
        {
            var text = new StringBuilder(startLine).Append("\r\n");
            foreach (var (name, value) in fields) text.Append(name).Append(": ").Append(value).Append("\r\n");
            return Encoding.Latin1.GetBytes(text.Append("\r\n").ToString());
        }

        /// <summary>The next message's head, or null when the peer closed between messages.</summary>
        public static async Task<Head?> ReadAsync(HttpReader from, CancellationToken token)
        {
            string? start;
            // Empty lines before a message are allowed (RFC 9112 2.2).
            do start = await from.ReadLineAsync(token);
            while (start == "");
            if (start == null) return null;
            var fields = new List<(string, string)>();
            int size = start.Length;
            while (true)
            {
                string line = await from.ReadLineAsync(token) ?? throw new EndOfStreamException();
                if (line.Length == 0) return new Head(start, fields);
                size += line.Length;
                int colon = line.IndexOf(':');
                if (colon <= 0 || size > HeadLimit) throw new IOException($"bad header: {line}");
                fields.Add((line[..colon], line[(colon + 1)..].Trim()));
            }
        }
    }

    private enum Framing { None, Length, Chunked, UntilClose }

    /// <summary>How a message's body is delimited (RFC 9112 6.3), and its length when announced.</summary>
    private readonly record struct Body(Framing Framing, long Length = 0)
    {
        public static Body OfRequest(Head request) =>
            request.Lists("Transfer-Encoding", "chunked") ? new(Framing.Chunked)
            : request["Content-Length"] is { } length ? new(Framing.Length, ParseLength(length))
            : new(Framing.None);

        public static Body OfResponse(string method, Head response) =>
            method == "HEAD" || response.Status is 204 or 304 ? new(Framing.None)
            : response.Lists("Transfer-Encoding", "chunked") ? new(Framing.Chunked)
            : response["Content-Length"] is { } length ? new(Framing.Length, ParseLength(length))
            : new(Framing.UntilClose);

        /// <summary>Passes the body on as it is framed.</summary>
        public Task CopyAsync(HttpReader from, Stream to, CancellationToken token) => Framing switch
        {
            Framing.Length => CopyExactAsync(from, to, Length, token),
            Framing.Chunked => CopyChunkedAsync(from, to, decode: false, long.MaxValue, token),
            Framing.UntilClose => CopyToEndAsync(from, to, long.MaxValue, token),
            _ => Task.CompletedTask,
        };

        /// <summary>The content of a chunked or close-delimited body, up to the limit.</summary>
        public async Task<byte[]> BufferAsync(HttpReader from, long limit, CancellationToken token)
        {
            var content = new MemoryStream();
            if (Framing == Framing.Chunked) await CopyChunkedAsync(from, content, decode: true, limit, token);
            else await CopyToEndAsync(from, content, limit, token);
            return content.ToArray();
        }

        public static async Task CopyExactAsync(HttpReader from, Stream to, long count, CancellationToken token)
        {
            while (count > 0)
            {
                var piece = await from.ReadAsync(count, token);
                if (piece.IsEmpty) throw new EndOfStreamException();
                await to.WriteAsync(piece, token);
                count -= piece.Length;
            }
        }

        private static async Task CopyToEndAsync(HttpReader from, Stream to, long limit, CancellationToken token)
        {
            for (long total = 0; ;)
            {
                var piece = await from.ReadAsync(Piece, token);
                if (piece.IsEmpty) return;
                if ((total += piece.Length) > limit) throw new IOException("body over the limit");
                await to.WriteAsync(piece, token);
            }
        }

        /// <summary>Copies a chunked body with its framing, or only its content when decoding.</summary>
        private static async Task CopyChunkedAsync(HttpReader from, Stream to, bool decode, long limit, CancellationToken token)
        {
            async Task Line(string line)
            {
                if (!decode) await to.WriteAsync(Encoding.Latin1.GetBytes(line + "\r\n"), token);
            }

            for (long total = 0; ;)
            {
                string sizeLine = await from.ReadLineAsync(token) ?? throw new EndOfStreamException();
                if (!long.TryParse(sizeLine.Split(';')[0].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long size) || size < 0)
                    throw new IOException($"bad chunk size: {sizeLine}");
                if ((total += size) > limit) throw new IOException("body over the limit");
                await Line(sizeLine);
                if (size == 0) break;
                await CopyExactAsync(from, to, size, token);
                if (await from.ReadLineAsync(token) != "") throw new IOException("chunk not followed by CRLF");
                await Line("");
            }
            // Trailer fields, up to the empty line that ends the body.
            string trailer;
            do
            {
                trailer = await from.ReadLineAsync(token) ?? throw new EndOfStreamException();
                await Line(trailer);
            }
            while (trailer.Length > 0);
        }

        private static long ParseLength(string value) =>
            long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long length) ? length : throw new IOException($"bad Content-Length: {value}");
    }

    /// <summary>Reads lines and body bytes from one stream through one bounded buffer.</summary>
    private sealed class HttpReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[Piece];
        private int _start;
        private int _end;

        /// <summary>A line without its CRLF; null at end of stream before any of it.</summary>
        public async Task<string?> ReadLineAsync(CancellationToken token)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (!await FillAsync(token))
                    return line.Length == 0 ? null : throw new EndOfStreamException();
                int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                int stop = newline < 0 ? _end : newline;
                line.Append(Encoding.Latin1.GetString(_buffer, _start, stop - _start));
                if (newline >= 0)
                {
                    _start = newline + 1;
                    return line.ToString().TrimEnd('\r');
                }
                _start = _end;
                if (line.Length > HeadLimit) throw new IOException("line too long");
            }
        }

        /// <summary>Up to max bytes, valid until the next read; empty at end of stream.</summary>
        public async Task<ReadOnlyMemory<byte>> ReadAsync(long max, CancellationToken token)
        {
            if (!await FillAsync(token)) return ReadOnlyMemory<byte>.Empty;
            int count = (int)Math.Min(max, _end - _start);
            _start += count;
            return _buffer.AsMemory(_start - count, count);
        }

        private async Task<bool> FillAsync(CancellationToken token)
        {
            if (_start < _end) return true;
            (_start, _end) = (0, await stream.ReadAsync(_buffer, token));
            return _end > 0;
        }
    }
}
