using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli.Operations;

/// <summary>
/// A mount's control socket: a Unix socket beside its mount record, so `bucketfs stats MOUNTPOINT`
/// finds it from the mountpoint alone, with no port to know. A client sends "stats" and gets the
/// mount's <see cref="MountStatus"/> as one line of JSON. One client is served at a time, each within
/// <see cref="ClientTimeout"/>, so a stuck client delays others by that much at most.
/// </summary>
internal sealed class ControlSocket : IDisposable
{
    public const string StatsRequest = "stats";
    private const int LongestRequest = 64;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly string _path;
    private readonly Func<MountStatus> _status;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private ControlSocket(Socket listener, string path, Func<MountStatus> status, ILogger log)
    {
        _listener = listener;
        _path = path;
        _status = status;
        _log = log;
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>Listens on <paramref name="path"/> (a stale socket there is replaced); null when it cannot, which only `stats` misses.</summary>
    public static ControlSocket? Start(string path, Func<MountStatus> status, ILogger log)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            File.Delete(path);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(8);
            return new ControlSocket(socket, path, status, log);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            log.ControlSocketFailed(path, e.Message);
            return null;
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            using (client)
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                timeout.CancelAfter(ClientTimeout);
                try
                {
                    await AnswerAsync(client, timeout.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
                {
                    // The client went away or took too long; the next one is served.
                }
                catch (Exception e)
                {
                    _log.ControlRequestFailed(e);
                }
            }
        }
    }

    private async Task AnswerAsync(Socket client, CancellationToken cancellation)
    {
        var buffer = new byte[LongestRequest];
        int length = 0;
        while (length < buffer.Length && Array.IndexOf(buffer, (byte)'\n', 0, length) < 0)
        {
            int n = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellation);
            if (n == 0) break;
            length += n;
        }
        string request = Encoding.UTF8.GetString(buffer, 0, length).Trim();
        string answer = request == StatsRequest ? JsonSerializer.Serialize(_status(), CommandJson.Default.MountStatus)
            : JsonSerializer.Serialize(new ControlError($"unknown request '{request}'"), CommandJson.Default.ControlError);
        await client.SendAsync(Encoding.UTF8.GetBytes(answer + "\n"), SocketFlags.None, cancellation);
    }

    /// <summary>Asks the mount whose control socket is <paramref name="path"/> for its status; null when nothing answers there within <paramref name="timeout"/>.</summary>
    public static async Task<MountStatus?> AskAsync(string path, TimeSpan timeout)
    {
        using var bound = new CancellationTokenSource(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), bound.Token);
            await socket.SendAsync(Encoding.UTF8.GetBytes(StatsRequest + "\n"), SocketFlags.None, bound.Token);
            var answer = await ReceiveLineAsync(socket, bound.Token);
            return answer is null ? null : JsonSerializer.Deserialize(answer, CommandJson.Default.MountStatus);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>One status is a few KiB; a long list of pending files could make it longer, never past this.</summary>
    private const int LongestAnswer = 4 << 20;

    private static async Task<byte[]?> ReceiveLineAsync(Socket socket, CancellationToken cancellation)
    {
        using var answer = new MemoryStream();
        var buffer = new byte[16 << 10];
        while (answer.Length < LongestAnswer)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation);
            if (n == 0) break;
            answer.Write(buffer, 0, n);
            if (buffer[n - 1] == (byte)'\n') break;
        }
        return answer.Length == 0 ? null : answer.ToArray();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _serving.Wait(ClientTimeout);
        try
        {
            File.Delete(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The record's folder is being cleaned up, or was: nothing is left to find.
        }
    }
}
