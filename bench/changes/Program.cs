using System.Diagnostics;
using System.Globalization;
using Bucketfs.ObjectStore;
using Bucketfs.ObjectStore.Changes;

// bucketfs-bench-changes [KEYS] [STATE-FILE]
//
// Change detection over a generated listing of KEYS objects (default 1,000,000) named like a
// dataset ("train/shard-0042/img-0001234.jpg"): a first run that finds everything added and
// commits, then a second over the same listing with 1% of the objects rewritten, 0.1% added and
// 0.1% deleted. Prints each run's time, the changes found, the state file's size, and the peak
// resident memory of the process (VmHWM), which stays flat because both sides stream.
int count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
string state = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), $"bucketfs-bench-changes-{Environment.ProcessId}");
const string Location = "s3://bench/";
try
{
    Run("first run", count, generation: 0);
    Run("second run", count, generation: 1);
}
finally
{
    File.Delete(state);
}

void Run(string name, int keys, int generation)
{
    var clock = Stopwatch.StartNew();
    var found = new long[3];
    using (var previous = new SnapshotReader(state, Location))
    using (var next = new SnapshotWriter(state, Location))
    {
        foreach (var change in ChangeDetection.CompareAsync(previous, Listing(keys, generation), next, deletions: true, CancellationToken.None).ToBlockingEnumerable())
            found[(int)change.Kind]++;
        next.Commit();
    }
    Console.WriteLine($"{name}: {keys:N0} keys in {clock.Elapsed.TotalSeconds:0.00} s; {found[0]:N0} added, {found[1]:N0} changed, {found[2]:N0} deleted; state {new FileInfo(state).Length / 1e6:0.0} MB; peak RSS {PeakMegabytes():0} MiB");
}

// Sorted keys; in generation 1 every 100th object is rewritten, every 1000th gets a new neighbour, and every 1000th (offset 500) is gone.
static async IAsyncEnumerable<ObjectInfo> Listing(int keys, int generation)
{
    var written = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    for (int i = 0; i < keys; i++)
    {
        string key = string.Create(CultureInfo.InvariantCulture, $"train/shard-{i / 1000:D4}/img-{i:D7}.jpg");
        if (generation == 1 && i % 1000 == 500) continue;
        bool rewritten = generation == 1 && i % 100 == 0;
        string etag = $"\"{(rewritten ? i + 1 : i):x32}\"";
        yield return new ObjectInfo(key, 100_000 + i % 5000, etag, rewritten ? written.AddDays(1) : written);
        if (generation == 1 && i % 1000 == 999) yield return new ObjectInfo(key + ".new", 1, etag, written);
    }
    await Task.CompletedTask;
}

static double PeakMegabytes()
{
    foreach (string line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    return 0;
}
