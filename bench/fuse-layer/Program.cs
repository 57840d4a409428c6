using System.Diagnostics;
using System.Runtime;
using Bucketfs.Fuse.Session;
using Bucketfs.MemoryFs;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Bench.FuseLayer;

/// <summary>
/// Mounts a synthetic filesystem (then MemoryFileSystem) in this process and drives it from
/// dedicated client threads doing raw syscalls; see README.md for what each figure means.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"bucketfs-bench: {e.Message}\n\n{Options.Usage}");
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }
        if (Sys.GetEuid() != 0)
        {
            Console.Error.WriteLine("bucketfs-bench: run as root (it mounts with mount(2), drops the page cache and sets read_ahead_kb)");
            return 2;
        }

        Emergency.InstallSignalHandlers();
        PhaseRunner.Selected = options.Phases;
        var budget = new Budget(options.TotalBound);
        using var finished = new ManualResetEventSlim();
        var watchdog = new Thread(() =>
        {
            if (!finished.Wait(options.TotalBound + PhaseRunner.HangGrace))
                Emergency.AbortAndExit($"the run did not finish within {options.TotalBound.TotalSeconds:0} s + {PhaseRunner.HangGrace.TotalSeconds:0} s grace");
        })
        { IsBackground = true, Name = "bench-watchdog" };
        watchdog.Start();

        var env = new RunInfo();
        CollectEnvironment(env, options);
        var results = new List<PhaseResult>();
        var log = new StderrLogger();
        int status = 0;
        try
        {
            if (options.WantsAny("1a", "1a-zc", "1b", "1b-zc", "1b-ra", "1b-ra-zc", "2")) RunSynthetic(options, budget, env, results, log);
            if (options.Memfs && !Emergency.Cancelled && options.WantsAny("m-create", "m-stat")) RunMemoryFsMetadata(options, budget, results, log);
            if (options.Memfs && !Emergency.Cancelled && options.WantsAny("m-write", "m-1a", "m-1b")) RunMemoryFsData(options, budget, results, log);
            results.RemoveAll(r => !options.Wants(r.Spec.Id) && r.Spec.Id is not ("m-create" or "m-write"));
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"bucketfs-bench: {e}");
            status = 1;
        }
        finally
        {
            finished.Set();
            Emergency.Dispose();
        }
        env.Add("elapsed_seconds", Math.Round(budget.Elapsed.TotalSeconds, 1));
        env.Add("loadavg_end", MachineLoad.LoadAverage());

        Report.WriteMarkdown(Console.Out, env, results);
        try
        {
            Report.WriteJson(options.JsonPath, env, results);
            Console.WriteLine($"\nJSON: {Path.GetFullPath(options.JsonPath)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"bucketfs-bench: writing {options.JsonPath}: {e.Message}");
            status = 1;
        }
        if (status == 0 && results.Any(r => r.Error is not null)) status = 1;
        if (status == 0 && Emergency.Cancelled) status = 130;
        return status;
    }

    private static SessionOptions SessionOptionsFor(Options options) =>
        options.Readers is int readers ? new SessionOptions { ReaderThreads = readers } : new SessionOptions();

    private static void RunSynthetic(Options options, Budget budget, RunInfo env, List<PhaseResult> results, ILogger log)
    {
        var counters = new OpCounters();
        var sessionOptions = SessionOptionsFor(options);
        using var fs = new BenchFileSystem(options.SizeBytes, options.Files, sessionOptions.MaxWrite, 0, 0) { NeverAnswerReads = options.SimulateHang };
        using var mount = BenchMount.Start(new CountingFileSystem(fs, counters), counters, options.MountBase, sessionOptions, log);
        using var client = new Client(options.Chunk);
        using var statPaths = new NativePaths([.. Enumerable.Range(0, options.Files).Select(i => mount.PathOf($"{BenchFileSystem.StatDirName}/{BenchFileSystem.FileName(i)}"))]);
        var connection = mount.Session.Connection;
        int? mountReadAhead = mount.ReadAheadKb;
        env.Add("reader_threads", sessionOptions.ReaderThreads);
        env.Add("reader_threads_found", mount.Probe.ReaderTids.Count);
        env.Add("fuse_protocol", $"7.{connection.ProtocolMinor}");
        env.Add("max_write", connection.MaxWrite);
        env.Add("kernel_max_readahead", connection.MaxReadahead);
        env.Add("read_ahead_kb_after_mount", mountReadAhead is int ra ? ra : "unknown");
        env.Add("capabilities", connection.Capabilities.ToString());
        env.Add("file_size", options.SizeBytes);
        env.Add("client_chunk", options.Chunk);

        string copyPath = mount.PathOf(BenchFileSystem.DataCopyName), zeroCopyPath = mount.PathOf(BenchFileSystem.DataZeroCopyName);
        var fd = new FdHolder();
        const string Fs = "synthetic";

        PhaseSpec Read(string id, string name, string path, bool direct, long size, int passes, string? note = null) => new()
        {
            Id = id,
            Name = name,
            FileSystem = Fs,
            Unit = RateUnit.Bytes,
            UnitName = "GB/s",
            Passes = passes,
            Before = _ =>
            {
                if (!direct && options.DropCaches && !Sys.DropCaches()) throw new IOException("cannot write /proc/sys/vm/drop_caches");
                fd.Fd = Client.OpenOrThrow(path, Sys.O_RDONLY | (direct ? Sys.O_DIRECT : 0));
            },
            Body = (_, deadline) => client.ReadSequential(fd.Fd, size, deadline),
            After = _ => fd.Close(),
            Note = note,
        };
        PhaseSpec Stat(string id, int passes) => new()
        {
            Id = id,
            Name = $"lstat {options.Files:N0} files, entry/attr timeout 0",
            FileSystem = Fs,
            Unit = RateUnit.Units,
            UnitName = "stat/s",
            Passes = passes,
            Body = (_, deadline) => client.StatAll(statPaths, statPaths.Count, static i => i, deadline),
        };

        // Warm-up: every path (READ by copy and zero-copy, buffered, LOOKUP, GETATTR) runs often
        // enough to be compiled at the top tier before anything is measured; results are discarded.
        long warmSize = Math.Min(options.SizeBytes, 256L << 20);
        for (int round = 0; round < 2; round++)
        {
            foreach (var spec in new[]
            {
                Read("warm", "warm-up", copyPath, true, warmSize, 1), Read("warm", "warm-up", zeroCopyPath, true, warmSize, 1),
                Read("warm", "warm-up", copyPath, false, warmSize, 1), Stat("warm", 1),
            })
            {
                var warm = PhaseRunner.Run(spec, mount, budget.Next(TimeSpan.FromSeconds(10)));
                if (warm.Error is not null) Console.Error.WriteLine($"bucketfs-bench: warm-up: {warm.Error}");
            }
            Thread.Sleep(300); // lets the tiered JIT finish its background recompilation
        }

        string size = Gib(options.SizeBytes);
        string chunk = $"{options.ChunkKiB} KiB";
        int passes = options.Passes;
        results.Add(PhaseRunner.Run(Read("1a", $"read {size}, O_DIRECT, {chunk} requests", copyPath, true, options.SizeBytes, passes,
            "ReplyBuffer + pattern copy + ReplyBuffered"), mount, budget.Next(options.PhaseBound)));
        results.Add(PhaseRunner.Run(Read("1a-zc", $"read {size}, O_DIRECT, {chunk} requests, zero-copy reply", zeroCopyPath, true, options.SizeBytes, passes,
            "ReplyData straight from the pattern"), mount, budget.Next(options.PhaseBound)));
        // Buffered reads come in read_ahead_kb pieces: run at the kernel's default (128 KiB) whatever
        // the session set, then at the session's setting (or 1024 KiB if it left the default).
        string cacheNote = CacheNote(options);
        int raised = mountReadAhead is int m && m != KernelDefaultReadAheadKb ? m : 1024;
        results.Add(WithReadAhead(mount, KernelDefaultReadAheadKb, budget.Next(options.PhaseBound),
            Read("1b", $"read {size}, buffered, read_ahead_kb {KernelDefaultReadAheadKb}, {chunk} read() calls", copyPath, false, options.SizeBytes, passes, cacheNote)));
        results.Add(WithReadAhead(mount, KernelDefaultReadAheadKb, budget.Next(options.PhaseBound),
            Read("1b-zc", $"read {size}, buffered, read_ahead_kb {KernelDefaultReadAheadKb}, zero-copy reply", zeroCopyPath, false, options.SizeBytes, passes, cacheNote)));
        results.Add(WithReadAhead(mount, raised, budget.Next(options.PhaseBound),
            Read("1b-ra", $"read {size}, buffered, read_ahead_kb {raised}", copyPath, false, options.SizeBytes, passes,
                $"{(raised == mountReadAhead ? "the session's own read_ahead_kb" : "read_ahead_kb raised for this phase")}; {cacheNote}")));
        results.Add(WithReadAhead(mount, raised, budget.Next(options.PhaseBound),
            Read("1b-ra-zc", $"read {size}, buffered, read_ahead_kb {raised}, zero-copy reply", zeroCopyPath, false, options.SizeBytes, passes, cacheNote)));

        results.Add(PhaseRunner.Run(Stat("2", passes), mount, budget.Next(options.PhaseBound)));
    }

    /// <summary>MemoryFileSystem at cache timeout 0, like the synthetic stat phase: create the files, then stat them.</summary>
    private static void RunMemoryFsMetadata(Options options, Budget budget, List<PhaseResult> results, ILogger log)
    {
        var counters = new OpCounters();
        var memfs = new MemoryFileSystem(0, 0, TimeSpan.Zero);
        using var mount = BenchMount.Start(new CountingFileSystem(memfs, counters), counters, options.MountBase, SessionOptionsFor(options), log);
        using var client = new Client(options.Chunk);
        string statDir = mount.PathOf("stat");
        using var statPaths = new NativePaths([.. Enumerable.Range(0, options.Files).Select(i => Path.Combine(statDir, BenchFileSystem.FileName(i)))]);
        const string Fs = "memfs, timeout 0";

        var create = PhaseRunner.Run(new PhaseSpec
        {
            Id = "m-create",
            Name = $"create {options.Files:N0} empty files (set-up)",
            FileSystem = Fs,
            Unit = RateUnit.Units,
            UnitName = "files/s",
            Before = _ => Directory.CreateDirectory(statDir),
            Body = (_, deadline) => Client.CreateAll(statPaths, deadline),
            Note = "open(O_CREAT) + close per file; allocates the nodes",
        }, mount, budget.Next(options.PhaseBound));
        results.Add(create);
        int created = create.Passes.Count > 0 ? (int)create.Passes[0].Units : 0;
        if (created == 0) return;

        PhaseSpec Stat(string id, int count, int passes) => new()
        {
            Id = id,
            Name = $"lstat {count:N0} files, entry/attr timeout 0",
            FileSystem = Fs,
            Unit = RateUnit.Units,
            UnitName = "stat/s",
            Passes = passes,
            Body = (_, deadline) => client.StatAll(statPaths, count, static _ => 0, deadline),
            Note = "root and directory also at timeout 0, so the path walk asks for them too",
        };
        PhaseRunner.Run(Stat("warm", Math.Min(created, 2000), 2), mount, budget.Next(TimeSpan.FromSeconds(10)));
        results.Add(PhaseRunner.Run(Stat("m-stat", created, options.Passes), mount, budget.Next(options.PhaseBound)));
    }

    /// <summary>
    /// MemoryFileSystem at its default 1 s timeout (at 0, AUTO_INVAL_DATA makes the kernel send a
    /// GETATTR before every read() call): write a file through the mount, then read it back.
    /// </summary>
    private static void RunMemoryFsData(Options options, Budget budget, List<PhaseResult> results, ILogger log)
    {
        var counters = new OpCounters();
        var memfs = new MemoryFileSystem(0, 0);
        using var mount = BenchMount.Start(new CountingFileSystem(memfs, counters), counters, options.MountBase, SessionOptionsFor(options), log);
        using var client = new Client(options.Chunk);
        string dataPath = mount.PathOf("data.bin");
        var fd = new FdHolder();
        const string Fs = "memfs";
        long size = options.MemfsSizeBytes;

        var write = PhaseRunner.Run(new PhaseSpec
        {
            Id = "m-write",
            Name = $"write {Gib(size)}, O_DIRECT, {options.ChunkKiB} KiB requests (set-up)",
            FileSystem = Fs,
            Unit = RateUnit.Bytes,
            UnitName = "GB/s",
            Before = _ => fd.Fd = Client.OpenOrThrow(dataPath, Sys.O_CREAT | Sys.O_WRONLY | Sys.O_TRUNC | Sys.O_DIRECT, 0x1A4),
            Body = (_, deadline) => client.WriteSequential(fd.Fd, size, deadline),
            After = _ => fd.Close(),
            Note = "allocates the file's 1 MiB chunks on the managed heap (fresh memory: see README)",
        }, mount, budget.Next(options.PhaseBound));
        results.Add(write);
        long written = write.Passes.Count > 0 ? write.Passes[0].Bytes : 0;
        if (written == 0) return;

        string cacheNote = CacheNote(options);
        PhaseSpec Read(string id, string name, bool direct, long length, int passes, string? note) => new()
        {
            Id = id,
            Name = name,
            FileSystem = Fs,
            Unit = RateUnit.Bytes,
            UnitName = "GB/s",
            Passes = passes,
            Before = _ =>
            {
                if (!direct && options.DropCaches && !Sys.DropCaches()) throw new IOException("cannot write /proc/sys/vm/drop_caches");
                fd.Fd = Client.OpenOrThrow(dataPath, Sys.O_RDONLY | (direct ? Sys.O_DIRECT : 0));
            },
            Body = (_, deadline) => client.ReadSequential(fd.Fd, length, deadline),
            After = _ => fd.Close(),
            Note = note,
        };
        PhaseRunner.Run(Read("warm", "warm-up", true, Math.Min(written, 256L << 20), 1, null), mount, budget.Next(TimeSpan.FromSeconds(10)));
        results.Add(PhaseRunner.Run(Read("m-1a", $"read {Gib(written)}, O_DIRECT, {options.ChunkKiB} KiB requests", true, written, options.Passes,
            "one lock per READ, chunk copied into ReplyBuffer"), mount, budget.Next(options.PhaseBound)));
        results.Add(WithReadAhead(mount, KernelDefaultReadAheadKb, budget.Next(options.PhaseBound),
            Read("m-1b", $"read {Gib(written)}, buffered, read_ahead_kb {KernelDefaultReadAheadKb}, {options.ChunkKiB} KiB read() calls", false, written, options.Passes, cacheNote)));
    }

    private const int KernelDefaultReadAheadKb = 128;

    /// <summary>Runs a phase with the mount's read_ahead_kb set to <paramref name="kb"/>, then puts the old value back.</summary>
    private static PhaseResult WithReadAhead(BenchMount mount, int kb, TimeSpan budget, PhaseSpec spec)
    {
        int? original = mount.ReadAheadKb;
        if (original is null || !mount.TrySetReadAheadKb(kb))
            return new PhaseResult { Spec = spec, Skipped = $"cannot set {mount.ReadAheadPath} to {kb}" };
        try
        {
            var result = PhaseRunner.Run(spec, mount, budget);
            result.ReadAheadKb = kb;
            return result;
        }
        finally
        {
            mount.TrySetReadAheadKb(original.Value);
        }
    }

    private static string Gib(long bytes) => $"{bytes / (double)(1L << 30):0.##} GiB";

    private static string CacheNote(Options options) => options.DropCaches
        ? "drop_caches and a fresh open before each pass"
        : "a fresh open (no KEEP_CACHE) drops the file's cached pages before each pass";

    private static void CollectEnvironment(RunInfo env, Options options)
    {
        env.Add("date_utc", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        env.Add("kernel", ReadOrUnknown("/proc/sys/kernel/osrelease"));
        env.Add("cpu", File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown");
        env.Add("cpus", Environment.ProcessorCount);
        env.Add("loadavg_start", MachineLoad.LoadAverage());
        env.Add("dotnet", Environment.Version.ToString());
        env.Add("gc", $"{(GCSettings.IsServerGC ? "server" : "workstation")}, {GCSettings.LatencyMode}");
        env.Add("configuration", typeof(Program).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration ?? "unknown");
        env.Add("debugger_attached", Debugger.IsAttached);
        env.Add("passes", options.Passes);
        env.Add("files", options.Files);
        env.Add("drop_caches", options.DropCaches);
        env.Add("memfs_file_size", options.MemfsSizeBytes);
        env.Add("phase_bound_seconds", options.PhaseBound.TotalSeconds);
        env.Add("total_bound_seconds", options.TotalBound.TotalSeconds);
    }

    private static string ReadOrUnknown(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (IOException) { return "unknown"; }
    }
}

/// <summary>An open descriptor shared by a phase's Before, Body and After.</summary>
internal sealed class FdHolder
{
    public int Fd = -1;

    public void Close()
    {
        int fd = Fd;
        Fd = -1;
        if (fd >= 0) Client.CloseOrThrow(fd);
    }
}

/// <summary>Run-wide facts for the report, in insertion order.</summary>
internal sealed class RunInfo
{
    public List<KeyValuePair<string, object>> Items { get; } = [];

    public void Add(string key, object value) => Items.Add(new(key, value));
}

/// <summary>Warnings and errors of the session to stderr; nothing below Warning, so the hot paths never format a message.</summary>
internal sealed class StderrLogger : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        Console.Error.WriteLine($"[{logLevel}] {formatter(state, exception)}{(exception is null ? "" : $" {exception.Message}")}");
    }
}
