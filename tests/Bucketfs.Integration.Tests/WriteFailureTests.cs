namespace Bucketfs.Integration.Tests;

/// <summary>When the store is gone, close() says so, and nothing written is lost.</summary>
public sealed partial class WriteFailureTests
{
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task StoreGoneMidWriteFailsCloseWithEioAndKeepsTheStagedCopy(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var proxy = new FaultProxy(store.Endpoint);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket);
        // Raw syscalls: .NET ignores what close(2) returns, and close() is what must report it.
        int fd = Libc.Open(mount["unsaved"], Libc.O_WRONLY | Libc.O_CREAT, 0x1A4);
        Assert.True(fd >= 0);
        var data = "must not be lost"u8.ToArray();
        Assert.Equal(data.Length, (int)Libc.Write(fd, data, data.Length));

        proxy.Cut();
        Assert.Equal(-1, Libc.Fsync(fd));
        Assert.Equal(5 /* EIO */, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        Assert.Equal(-1, Libc.Close(fd));
        Assert.Equal(5 /* EIO */, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());

        var staged = Directory.EnumerateFiles(Path.Combine(mount.CacheDirectory, "staging"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".json")).ToList();
        // The daemon holds the staged file locked; cat does not take .NET's advisory lock.
        Assert.Contains(staged, f => Cat(f) == "must not be lost");
        Assert.Null(await store.GetAsync(bucket, "unsaved"));
        proxy.Restore();
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task UnmountNamesClosedFilesStillNotStoredAndTheDaemonUploadsThemOnceTheStoreIsBack(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var proxy = new FaultProxy(store.Endpoint);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, "--request-timeout", "3");
        int fd = Libc.Open(mount["late"], Libc.O_WRONLY | Libc.O_CREAT, 0x1A4);
        Libc.Write(fd, "closed while the store was away"u8.ToArray(), 31);
        proxy.Cut();
        Assert.Equal(-1, Libc.Close(fd));

        var unmount = Cli.Run(null, ["unmount", mount.Path, "--timeout", "2"]);

        Assert.Equal(1, unmount.ExitCode);
        Assert.Contains("late", unmount.Stderr);
        Assert.Contains("not in the bucket yet", unmount.Stderr);
        proxy.Restore();
        Assert.False(await Eventually.PollAsync(() => Task.FromResult(Directory.Exists($"/proc/{mount.Pid}")), running => !running), "the daemon did not end once the store was back");
        mount.Dispose();
        Assert.True(await store.GetAsync(bucket, "late") != null, mount.Log);
        Assert.Equal("closed while the store was away"u8.ToArray(), await store.GetAsync(bucket, "late"));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task AfterAKilledDaemonOnlyWhatCloseCoveredIsUploadedAndTheRestIsKeptAside(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "changed-elsewhere", "old"u8.ToArray());
        using var folder = new TempFolder();
        string cache = folder.Path;
        // Both mounts go through the proxy: the staging folder is per endpoint and bucket.
        using var proxy = new FaultProxy(store.Endpoint);
        using (var first = BucketMount.StartAt(store, proxy.Endpoint, bucket, "--cache-dir", cache))
        {
            using var neverClosed = HoldOpen(first["never-closed"], "'no close() covered this'");
            int closed = Libc.Open(first["closed"], Libc.O_WRONLY | Libc.O_CREAT, 0x1A4);
            int conflicting = Libc.Open(first["changed-elsewhere"], Libc.O_WRONLY, 0);
            Assert.True(closed >= 0 && conflicting >= 0);
            Libc.Write(closed, "close() was called on this"u8.ToArray(), 26);
            Libc.Write(conflicting, "mine"u8.ToArray(), 4);
            proxy.Cut();
            Assert.Equal(-1, Libc.Close(closed));
            Assert.Equal(-1, Libc.Close(conflicting));
            KillAndWait(first.Pid);
            neverClosed.Kill();
        }
        await store.PutAsync(bucket, "changed-elsewhere", "theirs"u8.ToArray());
        proxy.Restore();

        using var second = BucketMount.StartAt(store, proxy.Endpoint, bucket, "--cache-dir", cache);

        Assert.Equal("close() was called on this"u8.ToArray(), await store.GetAsync(bucket, "closed"));
        Assert.Null(await store.GetAsync(bucket, "never-closed"));
        Assert.Equal("theirs"u8.ToArray(), await store.GetAsync(bucket, "changed-elsewhere"));
        Assert.Contains(KeptIn(cache, "unfinished"), text => text == "no close() covered this");
        Assert.Contains(KeptIn(cache, "conflicts"), text => text.StartsWith("mine"));

        var listed = Cli.Run(null, ["recover", "list", "--cache-dir", cache]).Stdout.Split('\n');
        Assert.Contains(listed, l => l.Contains("never closed") && l.Contains("never-closed"));
        Assert.Contains(listed, l => l.Contains("changed in the bucket") && l.Contains("changed-elsewhere"));
        string id = listed.First(l => l.Contains("never-closed")).Split(' ')[0];
        Assert.Equal(0, Cli.Run(null, ["recover", "discard", id, "--cache-dir", cache]).ExitCode);
        Assert.DoesNotContain("never-closed", Cli.Run(null, ["recover", "list", "--cache-dir", cache]).Stdout);
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task AKilledDaemonsUnfinishedMultipartUploadIsAbortedAndNothingIsPublished(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        string cache = folder.Path;
        using (var first = BucketMount.Start(store, bucket, "--cache-dir", cache))
        {
            // Written in order past the single-PUT limit, so parts go up while it is written.
            using var writer = HoldOpen(first["large"], "'x' * (40 << 20)");
            var uploads = await Eventually.PollAsync(async () => (await store.Client.ListMultipartUploadsAsync(bucket)).MultipartUploads ?? [], u => u.Count > 0);
            Assert.NotEmpty(uploads);
            KillAndWait(first.Pid);
            writer.Kill();
        }

        using var second = BucketMount.Start(store, bucket, "--cache-dir", cache);

        Assert.Empty((await store.Client.ListMultipartUploadsAsync(bucket)).MultipartUploads ?? []);
        Assert.Null(await store.GetAsync(bucket, "large"));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task AFullStagingDiskFailsWriteAndCloseWithEnospcAndPublishesNothing(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        string small = Path.Combine("/tmp/bucketfs-it", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(small);
        Assert.Equal(0, Tool("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", small));
        try
        {
            using var mount = BucketMount.Start(store, bucket, "--cache-dir", small);
            int fd = Libc.Open(mount["big"], Libc.O_WRONLY | Libc.O_CREAT, 0x1A4);
            Assert.True(fd >= 0);
            var block = new byte[1 << 20];
            nint written = 0;
            for (int i = 0; i < 16 && written >= 0; i++) written = Libc.Write(fd, block, block.Length);
            Assert.Equal(-1, written);
            Assert.Equal(28 /* ENOSPC */, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
            Assert.Equal(-1, Libc.Close(fd));
            Assert.Equal(28 /* ENOSPC */, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
            Assert.Null(await store.GetAsync(bucket, "big"));
        }
        finally
        {
            Tool("umount", small);
            Directory.Delete(small, recursive: true);
        }
    }

    private static int Tool(string name, params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(name, args);
        if (!process.WaitForExit(TimeSpan.FromSeconds(30))) process.Kill();
        return process.ExitCode;
    }

    /// <summary>
    /// A file written and held open by a process of its own. Not by this one: every child process
    /// another test starts from here closes its copies of this process's descriptors at exec, and
    /// FUSE makes each such close a FLUSH, which rightly counts as a close() covering the data.
    /// </summary>
    private static System.Diagnostics.Process HoldOpen(string path, string pythonText)
    {
        var start = new System.Diagnostics.ProcessStartInfo("python3", ["-c", $"import sys\nf = open('{path}', 'w')\nf.write({pythonText})\nf.flush()\nprint('written', flush=True)\nsys.stdin.read()"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        var writer = System.Diagnostics.Process.Start(start)!;
        Assert.Equal("written", writer.StandardOutput.ReadLine());
        return writer;
    }

    /// <summary>
    /// Dead before the test closes its files: a close() the daemon still served would be a close()
    /// that covered the data, and the next mount would rightly upload it.
    /// </summary>
    private static void KillAndWait(int pid)
    {
        using var daemon = System.Diagnostics.Process.GetProcessById(pid);
        daemon.Kill();
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)), "the killed daemon did not end");
    }

    private static List<string> KeptIn(string cache, string folder) =>
        [.. Directory.EnumerateFiles(cache, "*", SearchOption.AllDirectories).Where(f => f.Contains($"/{folder}/") && !f.EndsWith(".json")).Select(File.ReadAllText)];
}

public sealed partial class WriteFailureTests
{
    private static string Cat(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("cat", [path]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit(TimeSpan.FromSeconds(30));
        return text;
    }
}
