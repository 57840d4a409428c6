namespace Bucketfs.Integration.Tests;

/// <summary>How keys become directories and files, on each store.</summary>
public sealed class ListingTests
{
    private static readonly string[] ShortTtl = ["--metadata-ttl", "0.3"];

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task DirectoryOfMoreThanOneListingPageShowsEveryKey(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var names = Enumerable.Range(0, 1100).Select(i => $"f{i:D5}").ToArray();
        await store.PutManyAsync(bucket, names.Select(n => ($"big/{n}", new byte[] { 1 })));
        using var mount = BucketMount.Start(store, bucket);

        var listed = Directory.GetFileSystemEntries(mount["big"]).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        // find and ls -f read with plain READDIR, where an entry with inode number 0 is skipped.
        var found = Lines("find", mount["big"], "-type", "f");
        var unsorted = Lines("ls", "-f", mount["big"]);

        Assert.Equal(names, listed);
        Assert.Equal(names.Length, found.Length);
        Assert.Equal(names.Length + 2, unsorted.Length);
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task ImplicitDirectoriesMarkersAndOddKeysAppearAsAFilesystem(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        byte[] one = [1];
        await store.PutManyAsync(bucket, new (string, byte[])[]
        {
            ("implicit/deeper/file.txt", one),
            ("marker/", []),
            ("legacy_$folder$", []),
            ("both", one),
            ("both/inside", one),
            ("with space.txt", one),
            ("ünïcødé-名前.txt", one),
            ("odd//double-slash", one),
            ("odd/" + new string('x', 300), one),
            ("odd/fine", one),
            ("top.bin", one),
        });
        using var mount = BucketMount.Start(store, bucket);

        var root = Directory.GetFileSystemEntries(mount.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "both", "implicit", "legacy", "marker", "odd", "top.bin", "with space.txt", "ünïcødé-名前.txt" }, root);
        Assert.True(Directory.Exists(mount["implicit/deeper"]));
        Assert.True(File.Exists(mount["implicit/deeper/file.txt"]));
        Assert.True(Directory.Exists(mount["marker"]));
        Assert.Empty(Directory.GetFileSystemEntries(mount["marker"]));
        Assert.True(Directory.Exists(mount["legacy"]));
        Assert.True(Directory.Exists(mount["both"]), "a name that is a file and a prefix shows as the directory");
        Assert.True(File.Exists(mount["both/inside"]));
        Assert.Equal(new[] { "fine" }, Directory.GetFileSystemEntries(mount["odd"]).Select(Path.GetFileName).ToArray());
        Assert.Equal(1, new FileInfo(mount["ünïcødé-名前.txt"]).Length);
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task StatComesFromTheListingAndFromS3fsMetadata(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutAsync(bucket, "plain.dat", new byte[12345]);
        await store.PutAsync(bucket, "s3fs.dat", new byte[10], new Dictionary<string, string>
        {
            ["mode"] = "33152", // 0100600
            ["uid"] = "1234",
            ["gid"] = "5678",
            ["mtime"] = "1000000000",
        });
        using var mount = BucketMount.Start(store, bucket, "--uid", "4321", "--gid", "8765");

        var plain = new FileInfo(mount["plain.dat"]);
        Assert.Equal(12345, plain.Length);
        Assert.InRange(plain.LastWriteTimeUtc, DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(mount["plain.dat"]));

        var s3fs = Stat.Of(mount["s3fs.dat"]);
        Assert.Equal("600 1234 5678 1000000000", s3fs);
        Assert.Equal("644 4321 8765", Stat.Of(mount["plain.dat"])[..13]);
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task MtimeIsTheSameFromALookupAndFromAListing(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        await store.PutManyAsync(bucket, Enumerable.Range(0, 5).Select(i => ($"d/f{i}", new byte[100])));
        using var mount = BucketMount.Start(store, bucket, ShortTtl);

        var looked = Enumerable.Range(0, 5).Select(i => File.GetLastWriteTimeUtc(mount[$"d/f{i}"])).ToList();
        // Past the TTL, the listing's attributes replace the lookups': a changed mtime would make
        // the kernel drop the files' cached pages.
        mount.WaitPastMetadataTtl();
        Assert.Equal(5, Directory.GetFiles(mount["d"]).Length);
        var listed = Enumerable.Range(0, 5).Select(i => File.GetLastWriteTimeUtc(mount[$"d/f{i}"])).ToList();
        Assert.Equal(looked, listed);
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task NamesRenewedByListingAgainShowWhatChangedAndKeepS3fsMetadata(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var files = Enumerable.Range(0, 30).ToDictionary(i => $"set/{i:D3}", i => Enumerable.Repeat((byte)i, 1000 + i).ToArray());
        await store.PutManyAsync(bucket, files.Select(f => (f.Key, f.Value)));
        await store.PutAsync(bucket, "set/s3fs", new byte[10], new Dictionary<string, string> { ["mode"] = "33152", ["uid"] = "1234", ["gid"] = "5678", ["mtime"] = "1000000000" });
        // The first pass reads 31 names: they must not expire during it, or the pass after the change starts half-renewed.
        using var mount = BucketMount.Start(store, bucket, "--metadata-ttl", "1");
        Assert.Equal("600 1234 5678 1000000000", Stat.Of(mount["set/s3fs"]));
        Assert.Equal(31, Directory.GetFiles(mount["set"]).Length);
        foreach (var (key, content) in files) Assert.Equal(content, File.ReadAllBytes(mount[key]));

        // Changed behind the mount's back, among the names looked up after the folder is listed again.
        byte[] changed = [1, 2, 3];
        await store.PutAsync(bucket, "set/025", changed);
        await store.Client.DeleteObjectAsync(bucket, "set/020");
        mount.WaitPastMetadataTtl();
        foreach (var (key, content) in files)
        {
            if (key == "set/020") Assert.False(File.Exists(mount[key]), "a deleted file must be gone");
            else Assert.Equal(key == "set/025" ? changed : content, File.ReadAllBytes(mount[key]));
        }
        Assert.Equal("600 1234 5678 1000000000", Stat.Of(mount["set/s3fs"]));
    }

    [Theory]
    [MemberData(nameof(TestStore.WithNativeSwift), MemberType = typeof(TestStore))]
    public async Task StatOfEveryNameInOrderAfterTheyExpiredListsTheDirectoryAPageAtATimeInsteadOfAHeadPerName(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var names = Enumerable.Range(0, 2100).Select(i => $"f{i:D5}").ToArray();
        await store.PutManyAsync(bucket, names.Select(n => ($"big/{n}", new byte[] { 1 })));
        await store.PutAsync(bucket, "big/f01000a/inner", [1, 2]);
        var mount = BucketMount.Start(store, bucket, "--metadata-ttl", "0.3", "--debug");
        using (mount)
        {
            var listed = Directory.GetFileSystemEntries(mount["big"]).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
            await store.Client.DeleteObjectAsync(bucket, "big/f01500");
            mount.WaitPastMetadataTtl();

            // What du does: every name, in the order the directory listed them, long after they were listed.
            foreach (string name in listed!)
            {
                string path = mount[$"big/{name}"];
                if (name == "f01500") Assert.False(File.Exists(path), "a name deleted behind the mount is gone");
                else if (name == "f01000a") Assert.True(Directory.Exists(path));
                else Assert.Equal(1, new FileInfo(path).Length);
            }
        }
        // 2,100 HEADs without pages begun at the names; a few for the first names and the listing's sample.
        int heads = mount.Log.Split('\n').Count(line => line.Contains("] HEAD ", StringComparison.Ordinal));
        Assert.InRange(heads, 0, 100);
    }

    private static string[] Lines(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program, args) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60))) process.Kill();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
