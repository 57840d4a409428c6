using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// Thousands of seeded, interleaved writes (at random offsets, past the end leaving holes),
/// truncates (shrinking and extending), reads and fsyncs through two handles on one file of a
/// mount behave exactly as the same operations on a local file: every read is compared at once,
/// and the object the last close uploads is compared byte for byte, fetched with the SDK.
/// </summary>
public sealed class RandomizedWriteTests(ITestOutputHelper output)
{
    /// <summary>How much work one run does; Swift is slow to take uploads, so it gets fewer of them.</summary>
    private sealed record Plan(int Operations, int MeanOpsBetweenFsyncs, int MeanOpsBetweenReopens, long MaxSize, int HotWritesInTwenty = 12);

    private static Plan PlanFor(string store, long maxSize) => store == "swift"
        ? new Plan(Operations: 2500, MeanOpsBetweenFsyncs: 300, MeanOpsBetweenReopens: 500, maxSize)
        : new Plan(Operations: 5000, MeanOpsBetweenFsyncs: 100, MeanOpsBetweenReopens: 300, maxSize);

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public Task NewFileThroughTwoHandlesMatchesALocalFile(string storeName) =>
        RunAsync(storeName, seed: 1001, baseSize: null, maxSize: 8 << 20);

    /// <summary>Starts from an object put with the SDK: reads and uploads fetch the untouched ranges from that version.</summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public Task ExistingObjectThroughTwoHandlesMatchesALocalFile(string storeName) =>
        RunAsync(storeName, seed: 2002, baseSize: (3 << 20) + 12345, maxSize: 8 << 20);

    /// <summary>Above the single-PUT limit (16 MiB): every fsync is a multipart upload whose untouched parts are copied server-side from the previous version.</summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public Task ExistingMultipartSizedObjectThroughTwoHandlesMatchesALocalFile(string storeName) =>
        RunAsync(storeName, seed: 3003, baseSize: (24 << 20) + 5, maxSize: 40 << 20, operations: storeName == "swift" ? 800 : 1500, fsyncEvery: storeName == "swift" ? 50 : 30, hotWrites: 18);

    private async Task RunAsync(string storeName, int seed, long? baseSize, long maxSize, int? operations = null, int? fsyncEvery = null, int? hotWrites = null)
    {
        var store = TestStore.Get(storeName);
        var plan = PlanFor(storeName, maxSize);
        plan = plan with
        {
            Operations = operations ?? plan.Operations,
            MeanOpsBetweenFsyncs = fsyncEvery ?? plan.MeanOpsBetweenFsyncs,
            HotWritesInTwenty = hotWrites ?? plan.HotWritesInTwenty,
        };
        string bucket = await store.NewBucketAsync();
        const string key = "random.bin";

        string localDirectory = Path.Combine("/tmp/bucketfs-it", "randomized-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(localDirectory);
        string localPath = Path.Combine(localDirectory, "expected.bin");
        if (baseSize is { } size)
        {
            var initial = new byte[size];
            new Random(seed ^ 0x5eed).NextBytes(initial);
            await store.PutAsync(bucket, key, initial);
            File.WriteAllBytes(localPath, initial);
        }

        var history = new List<string>();
        var clock = Stopwatch.StartNew();
        var mount = BucketMount.Start(store, bucket);
        bool unmounted = false;
        try
        {
            var run = new Run(seed, plan, mount[key], localPath, baseSize is null, history);
            try
            {
                run.Execute();
                run.Close();
            }
            finally
            {
                run.Dispose();
            }
            output.WriteLine($"{storeName}, seed {seed}: {plan.Operations} operations in {clock.Elapsed.TotalSeconds:F1} s ({run.Summary})");

            var expected = File.ReadAllBytes(localPath);
            // .NET ignores what close() returns: an upload failing there shows here, and in the daemon's log.
            var uploaded = await S3fsMount.GetObjectAsync(store, bucket, key)
                ?? throw new Xunit.Sdk.XunitException($"{key} is not in the bucket after the last close. {Run.Tail(history, storeName, seed)}");
            AssertSameBytes(expected, uploaded, "the object in the bucket (fetched with the SDK) after both handles closed", history, storeName, seed);
            // And a fresh open through the mount reads the same.
            AssertSameBytes(expected, File.ReadAllBytes(mount[key]), "the file read through the mount after both handles closed", history, storeName, seed);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            // The daemon's own account of the failure: its log is complete once it has exited.
            mount.Dispose();
            unmounted = true;
            var log = mount.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            throw new Xunit.Sdk.XunitException($"{e.Message}\nbucketfs log ({log.Length} lines, the last 40 and every error):\n  "
                + string.Join("\n  ", log.Where(l => l.Contains(" error:") || l.Contains(" fail:") || l.Contains(" warn:") || l.Contains("Exception")).Take(40).Concat(["..."]).Concat(log.TakeLast(40))));
        }
        finally
        {
            if (!unmounted) mount.Dispose();
            Directory.Delete(localDirectory, recursive: true);
        }
    }

    // Minimal reproductions of what the randomized runs found, each on its own so one failure does not hide another.

    /// <summary>Opening a file again right after its last handle closed must not get the staged copy the closing RELEASE is discarding.</summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task ReopeningRightAfterEveryHandleClosedKeepsWorking(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var content = new byte[100_000];
        new Random(5).NextBytes(content);
        await store.PutAsync(bucket, "f", content);
        using var mount = BucketMount.Start(store, bucket);

        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        int iterations = 0;
        var buffer = new byte[10];
        for (; iterations < 600 && clock.Elapsed < TimeSpan.FromSeconds(40) && failures.Count < 5; iterations++)
        {
            new FileStream(mount["f"], FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 0).Dispose();
            new FileStream(mount["f"], FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 0).Dispose();
            using var first = new FileStream(mount["f"], FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 0);
            using var second = new FileStream(mount["f"], FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 0);
            try
            {
                first.Position = 5000;
                first.ReadExactly(buffer);
                second.Position = 60_000;
                second.ReadExactly(buffer);
                Assert.True(content.AsSpan(60_000, 10).SequenceEqual(buffer), $"iteration {iterations}: wrong bytes");
            }
            catch (IOException e)
            {
                failures.Add($"iteration {iterations}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} failures in {iterations} iterations:\n{string.Join("\n", failures)}");
    }

    /// <summary>
    /// A one-byte change to an object that was itself uploaded in parts: the untouched parts are
    /// copied server-side on condition of the multipart ETag, which Swift's s3api refuses (412).
    /// </summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task SmallChangeToAMultipartObjectIsUploadedAtClose(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var sha = await store.PutLargeAsync(bucket, "multipart.bin", (25 << 20) + 11, seed: 9);
        using var mount = BucketMount.Start(store, bucket);

        int fd = Libc.Open(mount["multipart.bin"], Libc.O_RDWR, 0);
        Assert.True(fd >= 0, $"open failed: errno {Marshal.GetLastPInvokeError()}");
        Assert.Equal(1, Libc.PWrite(fd, [0x42], 1, 1000));
        int fsync = Libc.Fsync(fd), fsyncErrno = Marshal.GetLastPInvokeError();
        int close = Libc.Close(fd), closeErrno = Marshal.GetLastPInvokeError();

        var stored = await S3fsMount.GetObjectAsync(store, bucket, "multipart.bin");
        Assert.True(fsync == 0 && close == 0, $"fsync returned {fsync} (errno {fsyncErrno}), close {close} (errno {closeErrno})");
        Assert.Equal(0x42, stored![1000]);
        Assert.Equal((25 << 20) + 11, stored.Length);
    }

    private static void AssertSameBytes(byte[] expected, byte[] actual, string what, List<string> history, string store, int seed)
    {
        int length = Math.Min(expected.Length, actual.Length);
        int first = expected.AsSpan(0, length).CommonPrefixLength(actual.AsSpan(0, length));
        if (first == length && expected.Length == actual.Length) return;
        throw new Xunit.Sdk.XunitException(
            $"{what} differs from the local file (store {store}, seed {seed}): {actual.Length} bytes, expected {expected.Length}, first difference at offset {first}. {Run.Tail(history, store, seed)}");
    }

    /// <summary>One seeded sequence of operations on two mount handles and one local file.</summary>
    private sealed class Run(int seed, Plan plan, string mountPath, string localPath, bool create, List<string> history) : IDisposable
    {
        private readonly Random _random = new(seed);
        private readonly FileStream?[] _handles = new FileStream?[2];
        private FileStream? _local;
        private long _size;
        private long _hotStart;
        private int _writes, _reads, _truncates, _fsyncs, _reopens, _holes;
        private long _bytesRead, _bytesWritten;

        public string Summary => $"{_writes} writes of {_bytesWritten >> 10} KiB ({_holes} past the end), {_reads} reads of {_bytesRead >> 10} KiB, {_truncates} truncates, {_fsyncs} fsyncs, {_reopens} reopens, final size {_size}";

        public void Execute()
        {
            _local = new FileStream(localPath, create ? FileMode.CreateNew : FileMode.Open, FileAccess.ReadWrite, FileShare.None, 0);
            _handles[0] = OpenMount(create ? FileMode.CreateNew : FileMode.Open);
            _handles[1] = OpenMount(FileMode.Open);
            _size = _local.Length;
            Check(new FileInfo(mountPath).Length == _size, $"the mount shows size {new FileInfo(mountPath).Length} at the start, expected {_size}");

            for (int i = 0; i < plan.Operations; i++)
            {
                int h = _random.Next(2);
                double choice = _random.NextDouble();
                string step;
                if (_random.Next(plan.MeanOpsBetweenFsyncs) == 0) step = Fsync(h);
                else if (_random.Next(plan.MeanOpsBetweenReopens) == 0) step = Reopen(h, both: _random.Next(3) == 0);
                else if (choice < 0.45) step = Write(h);
                else if (choice < 0.85) step = Read(h);
                else if (choice < 0.93) step = Truncate(h);
                else step = CheckSize(h);
                history.Add($"{i}: h{h} {step}");
            }
        }

        /// <summary>Closes both handles; the last close() uploads, and must succeed.</summary>
        public void Close()
        {
            for (int i = 0; i < 2; i++)
            {
                var handle = _handles[i]!;
                _handles[i] = null;
                Do(handle, 0, s => s.Dispose(), $"final close of h{i}");
            }
        }

        private FileStream OpenMount(FileMode mode) => new(mountPath, mode, FileAccess.ReadWrite, FileShare.ReadWrite, 0);

        private int Length(long offset)
        {
            int kind = _random.Next(10);
            int length = kind < 6 ? _random.Next(1, 4097) : kind < 9 ? _random.Next(4097, 128 << 10) : _random.Next(128 << 10, 3 << 19);
            return (int)Math.Min(length, Math.Max(1, plan.MaxSize - offset));
        }

        private string Write(int h)
        {
            int kind = _random.Next(20);
            int hot = plan.HotWritesInTwenty, share = (20 - hot) / 4;
            long offset = kind < hot ? _hotStart + _random.NextInt64(2 << 20) // most writes near each other, so most upload parts stay untouched
                : kind < hot + 2 * share ? _random.NextInt64(_size + 1)
                : kind < hot + 3 * share ? Math.Max(0, _size - _random.Next(4096)) + _random.Next(2) // appends and overwrites of the tail
                : _size + 1 + _random.NextInt64(3 << 20); // past the end: a hole of zeros
            offset = Math.Min(offset, plan.MaxSize - 1);
            int length = Length(offset);
            var data = new byte[length];
            _random.NextBytes(data);
            if (offset > _size) _holes++;
            Do(_handles[h]!, offset, s => s.Write(data), $"write {length} at {offset}");
            _local!.Position = offset;
            _local.Write(data);
            _size = Math.Max(_size, offset + length);
            _writes++;
            _bytesWritten += length;
            return $"write {length} at {offset} -> size {_size}";
        }

        private string Read(int h)
        {
            long offset = _random.Next(5) == 0 ? Math.Max(0, _size - _random.Next(8192)) + _random.Next(8192) : _random.NextInt64(_size + 1);
            int length = Length(offset);
            var actual = new byte[length];
            var expected = new byte[length];
            int got = 0;
            Do(_handles[h]!, offset, s => got = s.ReadAtLeast(actual, length, throwOnEndOfStream: false), $"read {length} at {offset}");
            _local!.Position = offset;
            int want = _local.ReadAtLeast(expected, length, throwOnEndOfStream: false);
            string step = $"read {length} at {offset} (size {_size})";
            Check(got == want, $"{step} returned {got} bytes, expected {want}");
            int same = actual.AsSpan(0, got).CommonPrefixLength(expected.AsSpan(0, want));
            if (same != want) Check(false, $"{step}: byte {offset + same} is {actual[same]}, expected {expected[same]}");
            _reads++;
            _bytesRead += got;
            return step;
        }

        private string Truncate(int h)
        {
            long length = _random.Next(10) switch
            {
                0 => _random.NextInt64(_size + 1), // anywhere, down to empty
                < 6 => _size / 2 + _random.NextInt64(_size / 2 + 1), // shrink, keeping at least half
                _ => Math.Min(plan.MaxSize, _size + 1 + _random.NextInt64(2 << 20)), // extend with zeros
            };
            Do(_handles[h]!, 0, s => s.SetLength(length), $"truncate to {length}");
            _local!.SetLength(length);
            _size = length;
            _truncates++;
            return $"truncate to {length}";
        }

        private string Fsync(int h)
        {
            var clock = Stopwatch.StartNew();
            // fsync(2) itself: FileStream.Flush(true) drops an EIO from fsync on .NET 10.
            Do(_handles[h]!, 0, s =>
            {
                if (Libc.Fsync((int)s.SafeFileHandle.DangerousGetHandle()) != 0)
                    throw new IOException($"fsync failed: errno {Marshal.GetLastPInvokeError()}");
            }, "fsync");
            _fsyncs++;
            // The next stretch of writes lands somewhere else, so other upload parts change.
            _hotStart = _random.NextInt64(Math.Max(1, _size));
            return $"fsync ({clock.ElapsedMilliseconds} ms, size {_size})";
        }

        private string Reopen(int h, bool both)
        {
            var clock = Stopwatch.StartNew();
            // close() uploads what is dirty; with both closed the staged copy is released, and the
            // reopen right after races the daemon's RELEASE.
            foreach (int i in both ? new[] { 0, 1 } : [h])
            {
                var handle = _handles[i]!;
                _handles[i] = null;
                Do(handle, 0, s => s.Dispose(), "close");
            }
            foreach (int i in both ? new[] { 0, 1 } : [h]) _handles[i] = OpenMount(FileMode.Open);
            _reopens++;
            return $"{(both ? "close both handles and reopen" : "close and reopen")} ({clock.ElapsedMilliseconds} ms)";
        }

        private string CheckSize(int h)
        {
            long viaHandle = _handles[h]!.Length;
            long viaPath;
            try
            {
                viaPath = new FileInfo(mountPath).Length;
            }
            catch (IOException e)
            {
                throw new Xunit.Sdk.XunitException($"stat by path of the open file failed after {history.Count} operations: {e.GetType().Name}: {e.Message}. {Tail(history, "", seed)}");
            }
            Check(viaHandle == _size && viaPath == _size, $"fstat says {viaHandle} bytes and stat {viaPath}, expected {_size}");
            return $"size {_size}";
        }

        private void Do(FileStream stream, long offset, Action<FileStream> action, string what)
        {
            try
            {
                stream.Position = offset;
                action(stream);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new Xunit.Sdk.XunitException($"{what} through the mount failed after {history.Count} operations: {e.GetType().Name}: {e.Message}. {Tail(history, "", seed)}");
            }
        }

        private void Check(bool condition, string message)
        {
            if (!condition) throw new Xunit.Sdk.XunitException($"after {history.Count} operations: {message}. {Tail(history, "", seed)}");
        }

        /// <summary>The last operations, and where the whole history was saved.</summary>
        public static string Tail(List<string> history, string store, int seed)
        {
            string file = Path.Combine("/tmp/bucketfs-it", $"randomized-{store}{(store.Length > 0 ? "-" : "")}seed{seed}-{Guid.NewGuid().ToString("N")[..6]}.log");
            try
            {
                File.WriteAllLines(file, history);
            }
            catch (IOException)
            {
                file = "(not saved)";
            }
            return $"Last operations:\n  {string.Join("\n  ", history.TakeLast(25))}\nAll {history.Count} operations: {file}";
        }

        /// <summary>Cleanup after a failure: errors closing what is left are not the test's result.</summary>
        public void Dispose()
        {
            foreach (var handle in _handles)
            {
                try
                {
                    handle?.Dispose();
                }
                catch (IOException)
                {
                }
            }
            _local?.Dispose();
        }
    }
}

/// <summary>
/// Run alone, never beside other tests: every close() of a file's descriptor uploads it (FLUSH),
/// and a child process that another test of this process starts closes a copy of every
/// descriptor when it execs. That upload would hide what these tests look for: the state of a file
/// written and not uploaded yet.
/// </summary>
[CollectionDefinition(nameof(NoConcurrentForks), DisableParallelization = true)]
public sealed class NoConcurrentForks;

/// <summary>A file being written, seen by path (LOOKUP) while its writes are not uploaded yet.</summary>
[Collection(nameof(NoConcurrentForks))]
public sealed class OpenFileLookupTests
{
    private static readonly string[] ShortTtl = ["--metadata-ttl", "0.3"];

    /// <summary>
    /// A file written for longer than the metadata TTL: stat by path (a LOOKUP once the dentry
    /// expired) must show the written size, not the size of the last upload, or the kernel takes
    /// that size for the open file and an O_APPEND writer writes over its own data.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task AppendAfterAStatByPathLandsAtTheEnd(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket, ShortTtl);
        string path = mount["log"];

        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND, 0x1A4);
        Assert.True(fd >= 0, $"open failed: errno {Marshal.GetLastPInvokeError()}");
        long statSize;
        try
        {
            Libc.WriteAll(fd, "first\n"u8);
            Assert.Equal(0, Libc.Fsync(fd)); // uploaded: 6 bytes
            Libc.WriteAll(fd, "second\n"u8); // staged only: 13 bytes
            mount.WaitPastMetadataTtl(); // the dentry and the cached attributes expire
            statSize = new FileInfo(path).Length;
            Libc.WriteAll(fd, "third\n"u8); // O_APPEND: at the end, 13
        }
        finally
        {
            Assert.Equal(0, Libc.Close(fd));
        }

        var stored = System.Text.Encoding.ASCII.GetString(await S3fsMount.GetObjectAsync(store, bucket, "log") ?? []);
        Assert.True(stored == "first\nsecond\nthird\n" && statSize == 13,
            $"stat by path while writing showed {statSize} bytes (13 written, 6 uploaded) and the object holds {stored.ReplaceLineEndings("|")}, expected first|second|third|");
    }

    /// <summary>A new file still being written (not uploaded yet) is there by path and in its directory, however long the writing takes.</summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task FileBeingWrittenStaysVisibleByPath(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var mount = BucketMount.Start(store, bucket, ShortTtl);

        bool existsWhileWriting, listedWhileWriting, readableRightAfterClose;
        using (var stream = new FileStream(mount["growing"], FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, 1))
        {
            stream.Write(new byte[1000]);
            mount.WaitPastMetadataTtl();
            existsWhileWriting = File.Exists(mount["growing"]);
            listedWhileWriting = Directory.GetFiles(mount.Path).Select(Path.GetFileName).Contains("growing");
            stream.Write(new byte[1000]);
        }
        readableRightAfterClose = File.Exists(mount["growing"]);

        Assert.Equal(2000, (await S3fsMount.GetObjectAsync(store, bucket, "growing"))?.Length);
        Assert.True(existsWhileWriting && listedWhileWriting && readableRightAfterClose,
            $"a file open for writing past the metadata TTL: exists by path {existsWhileWriting}, listed {listedWhileWriting}; right after close exists by path {readableRightAfterClose}");
    }
}
