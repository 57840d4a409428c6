using System.Globalization;
using System.Net.Sockets;
using System.Security;
using System.Text;

namespace Bucketfs.Integration.Tests;

public sealed partial class HttpFaultProxy
{
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
        lock (_requests)
        {
            _requests.Add($"{method} {target}");
            _seen.Add(new SeenRequest(method, target, request.Fields()));
        }
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
}
