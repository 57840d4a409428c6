using System.Diagnostics;
using Bucketfs.Fuse.Mounting;

namespace Bucketfs.Fuse.Tests.Mounts;

/// <summary>`bucketfs demo` in its own process, optionally as another user; Dispose kills it by PID and clears its mount.</summary>
internal sealed class Daemon : IDisposable
{
    private readonly string _mountpoint;

    private Daemon(Process process, string mountpoint)
    {
        Process = process;
        _mountpoint = mountpoint;
    }

    public Process Process { get; }

    public static string CliPath => Path.Combine(AppContext.BaseDirectory, "bucketfs.dll");

    /// <summary>Starts the daemon and waits until it reports the mount ready.</summary>
    public static Daemon Start(string mountpoint, ThrowawayUser? user = null)
    {
        string[] command = ["dotnet", CliPath, "demo", mountpoint];
        var process = user is null ? Tool.Start(command[0], command[1..]) : Tool.Start("setpriv", [.. user.SetprivArguments, "--", .. command]);
        var daemon = new Daemon(process, mountpoint);
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(30)) || ready.Result?.StartsWith("mounted") != true)
        {
            daemon.Dispose();
            throw new InvalidOperationException($"the daemon did not mount: {process.StandardError.ReadToEnd()}");
        }
        process.StandardError.ReadToEndAsync();
        return daemon;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        if (Unmounter.IsStale(_mountpoint) || Unmounter.IsMountpoint(_mountpoint))
        {
            try { Unmounter.Unmount(_mountpoint, lazy: true, TimeSpan.FromSeconds(5)); }
            catch (FuseMountException) { }
        }
        Process.Dispose();
    }
}
