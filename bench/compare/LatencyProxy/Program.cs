using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

// bucketfs-bench-latency-proxy --listen 127.0.0.1:7491 --target 127.0.0.1:7481 --delay-ms 20
//
// Forwards TCP connections to the target and adds a fixed delay to every request: on each
// connection, the first bytes the client sends after the server has answered (or at the start)
// wait delay-ms before they are forwarded. For HTTP/1.1 with keep-alive that is once per request,
// the way a store farther away adds a round trip to each request; a body that follows its headers
// without an answer in between is not delayed again. Bytes move with splice(2) through a pipe, so
// they are never copied into this process: at 0 ms the proxy costs little CPU. Loopback only; runs
// until SIGTERM or SIGINT. With --stats FILE it also counts requests by type (RequestCounts) and
// writes the counts so far to FILE on SIGUSR1.
using Bucketfs.Bench.LatencyProxy;

var options = new Dictionary<string, string>();
for (int i = 0; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
if (!options.TryGetValue("listen", out var listenText) || !options.TryGetValue("target", out var targetText))
{
    Console.Error.WriteLine("usage: bucketfs-bench-latency-proxy --listen HOST:PORT --target HOST:PORT [--delay-ms N] [--stats FILE]");
    return 2;
}
var listen = IPEndPoint.Parse(listenText);
var target = IPEndPoint.Parse(targetText);
if (!IPAddress.IsLoopback(listen.Address) || !IPAddress.IsLoopback(target.Address))
{
    Console.Error.WriteLine("latency proxy: only loopback addresses are allowed");
    return 2;
}
int delayMs = (int)Math.Round(double.Parse(options.GetValueOrDefault("delay-ms", "0"), CultureInfo.InvariantCulture));

using var listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
listener.Bind(listen);
listener.Listen(512);
long connections = 0, requests = 0;
var stopped = new ManualResetEventSlim();
void Stop()
{
    if (stopped.IsSet) return;
    stopped.Set();
    Console.Error.WriteLine($"latency proxy: stopped after {Interlocked.Read(ref connections)} connections, {Interlocked.Read(ref requests)} delayed requests");
    Environment.Exit(0);
}
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Stop(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Stop(); });
string? statsPath = options.GetValueOrDefault("stats");
var counts = statsPath == null ? null : new RequestCounts();
const int SigUsr1 = 10; // a raw signal number: PosixSignal names only the portable ones
using var sigusr1 = PosixSignalRegistration.Create((PosixSignal)SigUsr1, c =>
{
    c.Cancel = true;
    if (counts != null) counts.WriteTo(statsPath!);
});
Console.Error.WriteLine($"latency proxy: {listen} -> {target}, +{delayMs} ms per request");

while (true)
{
    Socket client;
    try
    {
        client = listener.Accept();
    }
    catch (SocketException)
    {
        continue;
    }
    Interlocked.Increment(ref connections);
    new Thread(() => Serve(client), 256 << 10) { IsBackground = true, Name = "proxy-conn" }.Start();
}

void Serve(Socket client)
{
    using var _ = client;
    using var server = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
    try
    {
        server.Connect(target);
    }
    catch (SocketException)
    {
        return;
    }
    client.NoDelay = server.NoDelay = true;
    client.Blocking = server.Blocking = true;
    // 1 while the next client bytes start a new request: at the start, and whenever the server has sent since.
    int answered = 1;
    var down = new Thread(() => Pump(server, client, upstream: false, ref answered), 256 << 10) { IsBackground = true, Name = "proxy-down" };
    down.Start();
    Pump(client, server, upstream: true, ref answered);
    down.Join();
}

void Pump(Socket from, Socket to, bool upstream, ref int answered)
{
    const int Chunk = 1 << 20;
    int inFd = (int)from.SafeHandle.DangerousGetHandle(), outFd = (int)to.SafeHandle.DangerousGetHandle();
    Span<int> pipe = stackalloc int[2];
    if (Native.Pipe2(ref MemoryMarshal.GetReference(pipe), Native.OCloexec) != 0) return;
    try
    {
        Native.Fcntl(pipe[1], Native.FSetPipeSize, Chunk);
        var start = upstream && counts != null ? new byte[512] : null;
        while (true)
        {
            if (start != null)
            {
                // Wait for the client's next bytes, peeked (they stay in the socket for the splice):
                // the first bytes after an answer start a new request.
                int peeked = from.Receive(start, SocketFlags.Peek);
                if (peeked <= 0) break;
                if (Volatile.Read(ref answered) == 1) counts!.Count(start.AsSpan(0, peeked));
            }
            long n = Native.Splice(inFd, IntPtr.Zero, pipe[1], IntPtr.Zero, Chunk, Native.SpliceMove | Native.SpliceMore);
            if (n < 0 && Marshal.GetLastPInvokeError() == Native.EIntr) continue;
            if (n <= 0) break;
            if (upstream)
            {
                if (Interlocked.Exchange(ref answered, 0) == 1 && delayMs > 0)
                {
                    Interlocked.Increment(ref requests);
                    Thread.Sleep(delayMs);
                }
            }
            else
            {
                Volatile.Write(ref answered, 1);
            }
            while (n > 0)
            {
                // No SPLICE_F_MORE here: like MSG_MORE it would hold back the last segment of an answer.
                long m = Native.Splice(pipe[0], IntPtr.Zero, outFd, IntPtr.Zero, n, Native.SpliceMove);
                if (m < 0 && Marshal.GetLastPInvokeError() == Native.EIntr) continue;
                if (m <= 0) throw new SocketException();
                n -= m;
            }
        }
        to.Shutdown(SocketShutdown.Send);
    }
    catch (Exception e) when (e is SocketException or ObjectDisposedException)
    {
        // Either side went away: close both directions so the other pump ends too.
        try { from.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        try { to.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
    }
    finally
    {
        Native.Close(pipe[0]);
        Native.Close(pipe[1]);
    }
}

internal static partial class Native
{
    public const int OCloexec = 0x80000, FSetPipeSize = 1031, SpliceMove = 1, SpliceMore = 4, EIntr = 4;

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(ref int fds, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    public static partial long Splice(int fdIn, IntPtr offIn, int fdOut, IntPtr offOut, long length, uint flags);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);
}
