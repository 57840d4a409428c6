using System.Net.Sockets;
using System.Text;

namespace Bucketfs.Cli.Operations;

/// <summary>
/// sd_notify for a Type=notify service: READY=1 once the mount is serving, STOPPING=1 once it has
/// ended, as datagrams to the socket systemd names in NOTIFY_SOCKET ('@' for the abstract
/// namespace). Without NOTIFY_SOCKET (not started by systemd) nothing is sent.
/// </summary>
internal static class SystemdNotify
{
    private const string Variable = "NOTIFY_SOCKET";

    public static void Ready(string status) => Send($"READY=1\nMAINPID={Environment.ProcessId}\nSTATUS={status}");

    public static void Stopping(string status) => Send($"STOPPING=1\nSTATUS={status}");

    private static void Send(string message)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } path) return;
        if (path[0] == '@') path = "\0" + path[1..];
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(message), new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            // systemd is gone or the socket was not meant for us: the mount serves on regardless.
        }
    }
}
