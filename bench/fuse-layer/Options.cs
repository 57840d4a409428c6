using System.Globalization;

namespace Bucketfs.Bench.FuseLayer;

/// <summary>Command-line settings; every figure has a default that keeps the whole run under three minutes.</summary>
internal sealed class Options
{
    public const string Usage = """
        Usage: bucketfs-bench-fuse-layer [options]      (as root)

        Micro-benchmark of the FUSE layer (src/Bucketfs.Fuse): sequential reads (O_DIRECT and buffered)
        and stat of many files against a synthetic in-process filesystem, then the same through
        MemoryFileSystem. Prints a Markdown table and writes a JSON file.

          --size-gib N        size of the read file (default 2)
          --memfs-size-gib N  size of the file written to and read from MemoryFileSystem (default 1)
          --files N           files to stat (default 10000)
          --passes N          timed passes per phase, the median is reported (default 3)
          --chunk-kib N       client request size for reads and writes (default 1024)
          --phase-seconds N   bound of each phase (default 25)
          --total-seconds N   bound of the whole run, clean-up included (default 170)
          --readers N         reader threads of the session (default: the session's default)
          --json PATH         where to write the results (default fuse-layer-bench.json)
          --mount-base DIR    create the temporary mountpoints here (default: the temp directory)
          --phases LIST       only these phase ids, comma-separated (e.g. 1a,2,m-stat); set-up phases run as needed
          --no-memfs          skip the MemoryFileSystem variant
          --drop-caches       also write 3 to /proc/sys/vm/drop_caches before each buffered pass
                              (by default the open, answered without KEEP_CACHE, drops the file's pages)
          --simulate-hang     the synthetic filesystem never answers READ (tests the watchdog's abort)
          --quick             small smoke run: 256 MiB files, 2000 files, 2 passes
          --help
        """;

    public double SizeGiB { get; private set; } = 2;
    public double MemfsSizeGiB { get; private set; } = 1;
    public int Files { get; private set; } = 10_000;
    public int Passes { get; private set; } = 3;
    public int ChunkKiB { get; private set; } = 1024;
    public TimeSpan PhaseBound { get; private set; } = TimeSpan.FromSeconds(25);
    public TimeSpan TotalBound { get; private set; } = TimeSpan.FromSeconds(170);
    public int? Readers { get; private set; }
    public string JsonPath { get; private set; } = "fuse-layer-bench.json";
    public string? MountBase { get; private set; }
    public bool Memfs { get; private set; } = true;
    public bool DropCaches { get; private set; }
    public bool Quick { get; private set; }
    public bool Help { get; private set; }
    public bool SimulateHang { get; private set; }
    public HashSet<string>? Phases { get; private set; }

    /// <summary>Whether phase <paramref name="id"/> was asked for (all are, without --phases).</summary>
    public bool Wants(string id) => Phases is null || Phases.Contains(id);

    /// <summary>Whether any of <paramref name="ids"/> was asked for.</summary>
    public bool WantsAny(params string[] ids) => Phases is null || ids.Any(Phases.Contains);

    public long SizeBytes => (long)(SizeGiB * (1L << 30)) / 4096 * 4096;
    public long MemfsSizeBytes => (long)(MemfsSizeGiB * (1L << 30)) / 4096 * 4096;
    public int Chunk => ChunkKiB * 1024;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            double Number(double min, double max)
            {
                string text = Value();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < min || v > max)
                    throw new ArgumentException($"{arg} {text}: expected a number from {min} to {max}");
                return v;
            }
            switch (arg)
            {
                case "--size-gib": o.SizeGiB = Number(0.001, 64); break;
                case "--memfs-size-gib": o.MemfsSizeGiB = Number(0.001, 64); break;
                case "--files": o.Files = (int)Number(1, 99_999); break;
                case "--passes": o.Passes = (int)Number(1, 100); break;
                case "--chunk-kib": o.ChunkKiB = (int)Number(4, 1024); break;
                case "--phase-seconds": o.PhaseBound = TimeSpan.FromSeconds(Number(1, 3600)); break;
                case "--total-seconds": o.TotalBound = TimeSpan.FromSeconds(Number(10, 36000)); break;
                case "--readers": o.Readers = (int)Number(1, 64); break;
                case "--json": o.JsonPath = Value(); break;
                case "--mount-base": o.MountBase = Value(); break;
                case "--phases": o.Phases = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]; break;
                case "--no-memfs": o.Memfs = false; break;
                case "--drop-caches": o.DropCaches = true; break;
                case "--quick":
                    o.Quick = true;
                    o.SizeGiB = 0.25;
                    o.MemfsSizeGiB = 0.25;
                    o.Files = 2000;
                    o.Passes = 2;
                    break;
                case "--simulate-hang": o.SimulateHang = true; break;
                case "--help" or "-h": o.Help = true; break;
                default: throw new ArgumentException($"unknown option {arg}");
            }
        }
        return o;
    }
}

/// <summary>The run's time budget: each phase gets its own bound, cut short when the whole run's bound nears.</summary>
internal sealed class Budget(TimeSpan total)
{
    /// <summary>Kept for unmounting and writing the report.</summary>
    private static readonly TimeSpan Reserve = TimeSpan.FromSeconds(15);
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public TimeSpan Elapsed => _clock.Elapsed;

    public TimeSpan Next(TimeSpan phase)
    {
        var left = total - Reserve - _clock.Elapsed;
        return left < phase ? left : phase;
    }
}
