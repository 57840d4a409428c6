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
        int fd = Native.Open(mount["unsaved"], Native.O_WRONLY | Native.O_CREAT, 0x1A4);
        Assert.True(fd >= 0);
        var data = "must not be lost"u8.ToArray();
        Assert.Equal(data.Length, (int)Native.Write(fd, data, data.Length));

        proxy.Cut();
        Assert.Equal(-1, Native.Fsync(fd));
        Assert.Equal(5 /* EIO */, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        Assert.Equal(-1, Native.Close(fd));
        Assert.Equal(5 /* EIO */, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());

        var staged = Directory.EnumerateFiles(Path.Combine(mount.CacheDirectory, "staging"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".json")).ToList();
        // The daemon holds the staged file locked; cat does not take .NET's advisory lock.
        Assert.Contains(staged, f => Cat(f) == "must not be lost");
        Assert.Null(await store.GetAsync(bucket, "unsaved"));
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task DataStagedByAKilledDaemonIsUploadedByTheNextMount(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "changed-elsewhere", "old"u8.ToArray());
        string cache = Path.Combine("/tmp/bucketfs-it", Guid.NewGuid().ToString("N")[..12]);
        try
        {
            using (var first = BucketMount.Start(store, bucket, "--cache-dir", cache))
            {
                var pending = new FileStream(first["pending"], FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
                pending.Write("written before the crash"u8);
                var conflicting = new FileStream(first["changed-elsewhere"], FileMode.Open, FileAccess.Write, FileShare.None, 1);
                conflicting.Write("mine"u8);
                System.Diagnostics.Process.GetProcessById(first.Pid).Kill();
                await store.PutAsync(bucket, "changed-elsewhere", "theirs"u8.ToArray());
                Record.Exception(pending.Dispose);
                Record.Exception(conflicting.Dispose);
            }

            using var second = BucketMount.Start(store, bucket, "--cache-dir", cache);

            Assert.Equal("written before the crash"u8.ToArray(), await store.GetAsync(bucket, "pending"));
            Assert.Equal("theirs"u8.ToArray(), await store.GetAsync(bucket, "changed-elsewhere"));
            var aside = Directory.EnumerateFiles(cache, "*", SearchOption.AllDirectories).Where(f => f.Contains("/conflicts/") && !f.EndsWith(".json"));
            Assert.Contains(aside, f => File.ReadAllText(f).StartsWith("mine"));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }
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

internal static partial class Native
{
    public const int O_WRONLY = 1;
    public const int O_CREAT = 0x40;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte[] buffer, nint count);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
