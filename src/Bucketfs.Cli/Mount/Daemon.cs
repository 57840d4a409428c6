using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Bucketfs.Cli.Mount;

/// <summary>
/// Going to the background: the command starts itself again as a detached child and returns
/// only once the child reports the mount ready, or with the child's own error line and exit code,
/// so scripts and mount(8) see failures from the foreground process.
/// </summary>
internal static partial class Daemon
{
    private const string ChildVariable = "BUCKETFS_DAEMON_CHILD";
    private const string ReadyLine = "bucketfs-ready";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    public static bool IsChild => Environment.GetEnvironmentVariable(ChildVariable) == "1";

    /// <summary>Runs the same command line as a background child and waits for it to be ready.</summary>
    public static int StartAndWait()
    {
        var args = Environment.GetCommandLineArgs();
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // Under `dotnet bucketfs.dll` the first argument is the assembly the host must load again.
        bool viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        foreach (string arg in viaDotnet ? args : args[1..]) start.ArgumentList.Add(arg);
        start.Environment[ChildVariable] = "1";
        using var child = Process.Start(start)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var ready = WaitForReady(child);
        if (!ready.Wait(StartTimeout))
        {
            child.Kill(entireProcessTree: true);
            Console.Error.WriteLine($"bucketfs: the mount was not ready within {StartTimeout.TotalSeconds:0} s; stopped it");
            return 1;
        }
        if (ready.Result) return 0;
        child.WaitForExit(TimeSpan.FromSeconds(10));
        // The child's exit and the end of its stderr reach this process separately: wait for both,
        // or under load the one line that says what went wrong is lost.
        Console.Error.Write(stderr.Wait(TimeSpan.FromSeconds(10)) ? stderr.Result : "");
        return child.HasExited && child.ExitCode != 0 ? child.ExitCode : 1;
    }

    private static async Task<bool> WaitForReady(Process child)
    {
        while (await child.StandardOutput.ReadLineAsync() is { } line)
            if (line == ReadyLine) return true;
        return false;
    }

    /// <summary>In the child: leave the caller's session so its terminal and signals no longer reach the daemon.</summary>
    public static void DetachFromSession() => SetSid();

    /// <summary>In the child: tell the waiting parent the mount is ready, then let go of its pipes.</summary>
    public static void ReportReady()
    {
        Console.Out.WriteLine(ReadyLine);
        Console.Out.Flush();
        int devNull = Open("/dev/null", 2);
        if (devNull < 0) return;
        for (int fd = 0; fd <= 2; fd++) Dup2(devNull, fd);
        Close(devNull);
    }

    [LibraryImport("libc", EntryPoint = "setsid")]
    private static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dup2")]
    private static partial int Dup2(int from, int to);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
