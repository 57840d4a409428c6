using System.Diagnostics;
using System.Runtime.InteropServices;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Mounting;
using Bucketfs.Fuse.Session;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Bench.FuseLayer;

/// <summary>
/// One mounted filesystem for the benchmark: a fresh temporary mountpoint, the session serving it,
/// its connection id (for read_ahead_kb and the emergency abort) and its reader threads.
/// Dispose always detaches it: a normal unmount, then a lazy one, then the directory is removed.
/// </summary>
internal sealed class BenchMount : IDisposable
{
    private static readonly HashSet<int> SeenReaders = [];
    private readonly bool _ownsDirectory;
    private readonly ILogger _log;
    private bool _disposed;

    private BenchMount(FuseSession session, string mountpoint, bool ownsDirectory, string device, Probe probe, ILogger log)
    {
        Session = session;
        Mountpoint = mountpoint;
        _ownsDirectory = ownsDirectory;
        Device = device;
        Probe = probe;
        _log = log;
    }

    public FuseSession Session { get; }

    public string Mountpoint { get; }

    /// <summary>"major:minor" of the mount, as in /proc/self/mountinfo and /sys/class/bdi.</summary>
    public string Device { get; }

    public Probe Probe { get; }

    public string ReadAheadPath => $"/sys/class/bdi/{Device}/read_ahead_kb";

    public string PathOf(string relative) => Path.Combine(Mountpoint, relative);

    public static BenchMount Start(IFuseFileSystem fs, OpCounters counters, string? mountpointBase, SessionOptions options, ILogger log)
    {
        string mountpoint = mountpointBase is null
            ? Directory.CreateTempSubdirectory("bucketfs-bench-").FullName
            : Directory.CreateDirectory(Path.Combine(mountpointBase, $"bucketfs-bench-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
        FuseSession session;
        try
        {
            session = FuseSession.Mount(fs, new MountOptions { Mountpoint = mountpoint, FsName = "bench", Subtype = "bucketfs-bench" }, options, log);
        }
        catch
        {
            TryRemoveDirectory(mountpoint);
            throw;
        }

        string device = "";
        int[] readers = [];
        BenchMount? mount = null;
        try
        {
            device = FindDevice(session.Mountpoint) ?? throw new InvalidOperationException($"{session.Mountpoint} is not in /proc/self/mountinfo after mounting");
            // Readers are named when their threads start, which may be just after Mount returns.
            var clock = Stopwatch.StartNew();
            while (true)
            {
                readers = Probe.FindReaderThreads(SeenReaders);
                if (readers.Length >= options.ReaderThreads || clock.Elapsed > TimeSpan.FromSeconds(2)) break;
                Thread.Sleep(10);
            }
            foreach (int tid in readers) SeenReaders.Add(tid);
            mount = new BenchMount(session, session.Mountpoint, ownsDirectory: true, device, new Probe(counters, readers), log);
            Emergency.Current = mount;
            return mount;
        }
        finally
        {
            if (mount is null)
            {
                session.Dispose();
                TryRemoveDirectory(mountpoint);
            }
        }
    }

    /// <summary>The read_ahead_kb of this mount's backing device, or null when it cannot be read.</summary>
    public int? ReadAheadKb
    {
        get
        {
            try { return int.Parse(File.ReadAllText(ReadAheadPath).Trim(), System.Globalization.CultureInfo.InvariantCulture); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
        }
    }

    public bool TrySetReadAheadKb(int kb)
    {
        try
        {
            File.WriteAllText(ReadAheadPath, kb.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return ReadAheadKb == kb;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Unmounts (lazily if busy or stuck), waits for the readers, and removes the mountpoint.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Session.Unmount(lazy: false, TimeSpan.FromSeconds(5));
        }
        catch (FuseMountException e)
        {
            _log.LogWarning("{Message}; detaching lazily", e.Message);
            try { Session.Unmount(lazy: true); }
            catch (FuseMountException e2) { _log.LogError("lazy unmount failed: {Message}", e2.Message); }
        }
        if (!Session.Completion.Wait(TimeSpan.FromSeconds(10)))
            _log.LogWarning("the session's readers did not stop within 10 s after unmounting {Mountpoint}", Mountpoint);
        Session.Dispose();
        if (Emergency.Current == this) Emergency.Current = null;
        if (_ownsDirectory) TryRemoveDirectory(Mountpoint);
    }

    internal static void TryRemoveDirectory(string path)
    {
        try
        {
            if (!Unmounter.IsMountpoint(path) && Directory.Exists(path)) Directory.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private static string? FindDevice(string mountpoint)
    {
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 4 && fields[4] == mountpoint) return fields[2];
        }
        return null;
    }
}

/// <summary>
/// Run-wide control: the cancel flag set by SIGINT/SIGTERM, and the way out of a hang. A client
/// thread blocked in a syscall whose request the daemon has read cannot be killed, and since the
/// daemon is this very process, exiting would wait for it forever; aborting the connection through
/// the fusectl filesystem answers every pending request with ENOTCONN.
/// </summary>
internal static class Emergency
{
    private static int _cancelled;
    private static PosixSignalRegistration? _interrupt, _terminate;

    public static volatile BenchMount? Current;

    public static bool Cancelled => Volatile.Read(ref _cancelled) != 0;

    public static void InstallSignalHandlers()
    {
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Exchange(ref _cancelled, 1) == 0)
            {
                Console.Error.WriteLine($"{context.Signal}: stopping after the current pass (again to abort at once)");
                return;
            }
            AbortAndExit($"{context.Signal} received twice");
        }
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Aborts the current FUSE connection, detaches the mount, removes its directory and exits with status 3.</summary>
    public static void AbortAndExit(string why)
    {
        Console.Error.WriteLine($"bucketfs-bench: {why}; aborting the FUSE connection and exiting");
        var mount = Current;
        if (mount is not null)
        {
            try { AbortConnection(mount.Device); }
            catch (Exception e) { Console.Error.WriteLine($"bucketfs-bench: abort failed: {e.Message}"); }
            try { Unmounter.Unmount(mount.Mountpoint, lazy: true, TimeSpan.FromSeconds(2)); }
            catch (FuseMountException e) { Console.Error.WriteLine($"bucketfs-bench: lazy unmount: {e.Message}"); }
            BenchMount.TryRemoveDirectory(mount.Mountpoint);
        }
        Console.Error.Flush();
        Environment.Exit(3);
    }

    private static void AbortConnection(string device)
    {
        // The connection's directory is named after the device number (major 0 for FUSE: the minor).
        string minor = device[(device.IndexOf(':') + 1)..];
        const string root = "/sys/fs/fuse/connections";
        string abort = $"{root}/{minor}/abort";
        bool mounted = false;
        if (!File.Exists(abort))
        {
            using var mount = Process.Start(new ProcessStartInfo("mount", ["-t", "fusectl", "fusectl", root]) { UseShellExecute = false });
            mounted = mount is not null && mount.WaitForExit(5000) && mount.ExitCode == 0;
        }
        try
        {
            File.WriteAllText(abort, "1");
        }
        finally
        {
            if (mounted)
            {
                // Leave the system as found.
                using var umount = Process.Start(new ProcessStartInfo("umount", [root]) { UseShellExecute = false });
                umount?.WaitForExit(5000);
            }
        }
    }

    public static void Dispose()
    {
        _interrupt?.Dispose();
        _terminate?.Dispose();
    }
}
