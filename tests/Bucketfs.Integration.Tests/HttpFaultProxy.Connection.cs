using System.Net.Sockets;

namespace Bucketfs.Integration.Tests;

public sealed partial class HttpFaultProxy
{
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
}
