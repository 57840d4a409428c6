using System.Net.Sockets;
using System.Text;

namespace Bucketfs.Integration.Tests;

/// <summary>A Type=notify service: the daemon tells the socket in NOTIFY_SOCKET when it serves and when it stops, as systemd would hear it.</summary>
public sealed class SystemdNotifyTests
{
    [Fact]
    public async Task TheDaemonSaysReadyOnceServingAndStoppingOnceUnmounted()
    {
        var store = TestStore.Get("ceph");
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "hello.txt", "hello"u8.ToArray());
        using var folder = new TempFolder();
        string mountpoint = Directory.CreateDirectory(Path.Combine(folder.Path, "mnt")).FullName, notify = Path.Combine(folder.Path, "notify");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(notify));

        var mounted = Cli.Run(store, ["mount", $"s3://{bucket}", mountpoint, "--endpoint-url", store.Endpoint, "--force-path-style",
            "--cache-dir", Path.Combine(folder.Path, "cache"), "--log-file", Path.Combine(folder.Path, "bucketfs.log")],
            start => start.Environment["NOTIFY_SOCKET"] = notify);
        Assert.True(mounted.ExitCode == 0, mounted.Stderr);
        string ready, stopping;
        try
        {
            ready = await ReceiveAsync(socket);
            Assert.Equal("hello", File.ReadAllText(Path.Combine(mountpoint, "hello.txt")));
        }
        finally
        {
            Assert.Equal(0, Cli.Run(null, ["unmount", mountpoint]).ExitCode);
        }
        stopping = await ReceiveAsync(socket);

        Assert.Contains("READY=1", ready.Split('\n'));
        Assert.Contains($"STATUS=Serving s3://{bucket}/ on {mountpoint}", ready.Split('\n'));
        Assert.Contains("STOPPING=1", stopping.Split('\n'));
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }
}
