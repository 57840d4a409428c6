using System.Security.Cryptography;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// bucketfs and s3fs 1.90 agree on a bucket: what one writes (files, nested directories, modes,
/// owners, mtimes, symlinks) the other shows the same, checked with stat(1), readlink and sha256 on
/// a fresh mount of the other tool, each entry looked up singly (no listing before the stats).
/// </summary>
public sealed class S3fsInteropTests
{
    /// <summary>An entry of the tree both tools write; null fields are left to the tool's defaults.</summary>
    private sealed record Expected(string Type, string? Mode = null, string? Owner = null, long? Mtime = null, string? Target = null);

    private static readonly Dictionary<string, byte[]> Contents = new(StringComparer.Ordinal)
    {
        ["docs/a.txt"] = "text written by one tool, read by the other\n"u8.ToArray(),
        ["docs/nested/b.bin"] = Bytes(300 * 1024 + 7, 1),
        ["docs/nested/deeper/c.bin"] = Bytes(5000, 2),
        ["docs/naïve name with spaces.txt"] = "unicode and spaces in the key\n"u8.ToArray(),
        ["empty"] = [],
        // Above both tools' multipart thresholds (s3fs: 20 MB, bucketfs: 16 MiB).
        ["big.bin"] = Bytes((21 << 20) + 3, 3),
        ["attributes-set-while-open.bin"] = Bytes(70_000, 4),
    };

    private static readonly Dictionary<string, Expected> Tree = new(StringComparer.Ordinal)
    {
        ["docs"] = new("directory", "755", "0:0", 981173106),
        ["docs/nested"] = new("directory", "700"),
        ["docs/nested/deeper"] = new("directory", Owner: "1234:5678"),
        ["empty-dir"] = new("directory"),
        ["docs/a.txt"] = new("regular file", "640", "4321:8765", 1015218367),
        ["docs/nested/b.bin"] = new("regular file", "600", Mtime: 1234567890),
        ["docs/nested/deeper/c.bin"] = new("regular file", "2750", "1001:1002"),
        ["docs/naïve name with spaces.txt"] = new("regular file", "644"),
        ["empty"] = new("regular empty file", "444", Mtime: 1300000000),
        ["big.bin"] = new("regular file", "604", "7:8"),
        ["attributes-set-while-open.bin"] = new("regular file", "600", "77:88"),
        ["docs/link"] = new("symbolic link", "777", "11:22", Target: "../big.bin"),
        ["abs-link"] = new("symbolic link", "777", Mtime: 1041379201, Target: "/etc/hostname"),
    };

    private static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Writes the tree through a mounted tool with the ordinary command-line tools; returns the commands that failed.</summary>
    private static List<string> Write(string tool, string root)
    {
        string P(string relative) => Path.Combine(root, relative);
        var failures = new List<string>();
        void Tool(string program, params string[] args)
        {
            var result = S3fsMount.Execute(program, args, TimeSpan.FromSeconds(120));
            if (result.ExitCode != 0) failures.Add($"through {tool}: {program} {string.Join(' ', args.Select(a => a.StartsWith(root, StringComparison.Ordinal) ? Path.GetRelativePath(root, a) : a))} failed: {result.Stderr.Trim()}");
        }

        Tool("mkdir", P("docs"), P("docs/nested"), P("docs/nested/deeper"), P("empty-dir"));
        foreach (var (name, content) in Contents.Where(c => c.Key != "attributes-set-while-open.bin")) File.WriteAllBytes(P(name), content);

        // chmod and chown of a file that is open for writing, between two writes.
        var whileOpen = Contents["attributes-set-while-open.bin"];
        using (var stream = new FileStream(P("attributes-set-while-open.bin"), FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, 1))
        {
            stream.Write(whileOpen, 0, 30_000);
            stream.Flush();
            Tool("chown", "77:88", P("attributes-set-while-open.bin"));
            Tool("chmod", "600", P("attributes-set-while-open.bin"));
            stream.Write(whileOpen, 30_000, whileOpen.Length - 30_000);
        }

        Tool("ln", "-s", "../big.bin", P("docs/link"));
        Tool("ln", "-s", "/etc/hostname", P("abs-link"));

        // Owners before modes: a chown by root may clear set-group-ID.
        foreach (var (name, entry) in Tree.Where(e => e.Value.Owner != null && e.Key != "attributes-set-while-open.bin"))
            Tool("chown", "-h", entry.Owner!, P(name));
        foreach (var (name, entry) in Tree.Where(e => e.Value.Mode != null && e.Value.Type != "symbolic link" && e.Key != "attributes-set-while-open.bin"))
            Tool("chmod", entry.Mode!, P(name));
        // Times last: nothing after them changes the entries. Both atime and mtime: s3fs 1.90
        // ignores a utimensat that leaves atime alone (UTIME_OMIT), so `touch -m` does nothing there.
        foreach (var (name, entry) in Tree.Where(e => e.Value.Mtime != null))
            Tool("touch", "-h", "-d", $"@{entry.Mtime}", P(name));
        // A fractional mtime (s3fs stores "SECONDS.NANOSECONDS").
        Tool("touch", "-d", "@1015218367.5", P("docs/a.txt"));
        return failures;
    }

    /// <summary>Every difference between what was set, what <paramref name="writer"/> shows and what <paramref name="reader"/> shows on a fresh mount.</summary>
    private static List<string> Differences(string writerName, Dictionary<string, S3fsMount.Entry> writer, string readerName, Dictionary<string, S3fsMount.Entry> reader, DateTimeOffset started)
    {
        var differences = new List<string>();
        long from = started.ToUnixTimeSeconds() - 5, to = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5;
        foreach (var (name, expected) in Tree)
        {
            foreach (var (tool, seen) in new[] { (writerName, writer[name]), (readerName, reader[name]) })
            {
                var problems = new List<string>();
                if (seen.Type != expected.Type) problems.Add($"type {seen.Type}, set {expected.Type}");
                if (expected.Mode != null && seen.Mode != expected.Mode) problems.Add($"mode {seen.Mode}, set {expected.Mode}");
                if (expected.Owner != null && $"{seen.Uid}:{seen.Gid}" != expected.Owner) problems.Add($"owner {seen.Uid}:{seen.Gid}, set {expected.Owner}");
                if (expected.Mtime is { } mtime ? seen.Mtime != mtime : seen.Mtime < from || seen.Mtime > to)
                    problems.Add($"mtime {seen.Mtime}, set {expected.Mtime?.ToString() ?? $"by the write, within [{from}, {to}]"}");
                if (Contents.TryGetValue(name, out var content) && seen.Size != content.Length) problems.Add($"size {seen.Size}, written {content.Length}");
                if (problems.Count > 0) differences.Add($"{name} through {tool}: {string.Join("; ", problems)}");
            }
            if (writer[name].ToString() != reader[name].ToString()) differences.Add($"{name}: {writerName} shows [{writer[name]}], {readerName} shows [{reader[name]}]");
        }
        return differences;
    }

    /// <summary>Contents by sha256 and symlink targets as read through a mount.</summary>
    private static List<string> ContentDifferences(string tool, string root)
    {
        var differences = new List<string>();
        foreach (var (name, content) in Contents)
        {
            var read = File.ReadAllBytes(Path.Combine(root, name));
            if (!SHA256.HashData(read).AsSpan().SequenceEqual(SHA256.HashData(content)))
                differences.Add($"{name} through {tool}: {read.Length} bytes that differ from the {content.Length} written");
        }
        foreach (var (name, expected) in Tree.Where(e => e.Value.Target != null))
        {
            string? target = new FileInfo(Path.Combine(root, name)).LinkTarget;
            if (target != expected.Target) differences.Add($"{name} through {tool}: readlink gives '{target}', created as '{expected.Target}'");
        }
        // The relative link resolves inside the mount to the big file.
        if (!SHA256.HashData(File.ReadAllBytes(Path.Combine(root, "docs/link"))).AsSpan().SequenceEqual(SHA256.HashData(Contents["big.bin"])))
            differences.Add($"docs/link through {tool}: following it does not give big.bin's bytes");
        return differences;
    }

    private static List<string> NameDifferences(string tool, string root)
    {
        var differences = new List<string>();
        foreach (string directory in new[] { "" }.Concat(Tree.Where(e => e.Value.Type == "directory").Select(e => e.Key)))
        {
            var expected = Tree.Keys.Where(k => Path.GetDirectoryName(k) == directory).Order(StringComparer.Ordinal).ToList();
            var listed = Directory.EnumerateFileSystemEntries(Path.Combine(root, directory)).Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToList();
            if (!expected.SequenceEqual(listed))
                differences.Add($"'{directory}' listed through {tool}: [{string.Join(", ", listed)}], expected [{string.Join(", ", expected)}]");
        }
        return differences;
    }

    private static void AssertNone(List<string> differences, string what) =>
        Assert.True(differences.Count == 0, $"{what}:\n  {string.Join("\n  ", differences)}");

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public Task WhatS3fsWritesBucketfsShowsTheSame(string storeName) => S3fsWritesBucketfsReads(storeName, listFirst: false);

    /// <summary>
    /// As `ls -lR` on a fresh mount sees it: the listing comes first and its entries (READDIRPLUS)
    /// are what the kernel then shows, though a listing carries no x-amz-meta-* of its own.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public Task WhatS3fsWritesAFreshBucketfsListingShowsTheSame(string storeName) => S3fsWritesBucketfsReads(storeName, listFirst: true);

    private static async Task S3fsWritesBucketfsReads(string storeName, bool listFirst)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var started = DateTimeOffset.UtcNow;

        Dictionary<string, S3fsMount.Entry> viaS3fs;
        using (var s3fs = S3fsMount.Start(store, bucket))
        {
            var failures = Write("s3fs", s3fs.Path);
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            viaS3fs = S3fsMount.StatAll(s3fs.Path, Tree.Keys);
        }

        using var mount = BucketMount.Start(store, bucket);
        if (listFirst) S3fsMount.Execute("ls", ["-lR", mount.Path], TimeSpan.FromSeconds(60));
        var viaBucketfs = S3fsMount.StatAll(mount.Path, Tree.Keys);
        var differences = Differences("s3fs", viaS3fs, "bucketfs", viaBucketfs, started);
        differences.AddRange(ContentDifferences("bucketfs", mount.Path));
        differences.AddRange(NameDifferences("bucketfs", mount.Path));
        AssertNone(differences, $"written through s3fs, read through a fresh bucketfs mount on {storeName}{(listFirst ? ", listed first" : "")}");
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task WhatBucketfsWritesS3fsShowsTheSame(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        var started = DateTimeOffset.UtcNow;

        Dictionary<string, S3fsMount.Entry> viaBucketfs;
        List<string> failures;
        using (var mount = BucketMount.Start(store, bucket))
        {
            failures = Write("bucketfs", mount.Path);
            viaBucketfs = S3fsMount.StatAll(mount.Path, Tree.Keys);
        }
        // What close() promised is in the bucket, whatever any mount caches.
        foreach (var (name, content) in Contents)
        {
            var stored = await S3fsMount.GetObjectAsync(store, bucket, name);
            Assert.True(stored != null && content.AsSpan().SequenceEqual(stored), $"{name} in the bucket ({stored?.Length.ToString() ?? "missing"} bytes) differs from the {content.Length} bytes written");
        }

        using var s3fs = S3fsMount.Start(store, bucket);
        var viaS3fs = S3fsMount.StatAll(s3fs.Path, Tree.Keys);
        var differences = failures;
        differences.AddRange(Differences("bucketfs (the writing mount)", viaBucketfs, "s3fs", viaS3fs, started));
        differences.AddRange(ContentDifferences("s3fs", s3fs.Path));
        differences.AddRange(NameDifferences("s3fs", s3fs.Path));
        AssertNone(differences, $"written through bucketfs, read through a fresh s3fs mount on {storeName}");
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task BothMountedAtOnceEachSeesTheOthersNewFiles(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var s3fs = S3fsMount.Start(store, bucket);
        using var mount = BucketMount.Start(store, bucket, "--metadata-ttl", "0.3");

        var fromS3fs = Bytes(200_003, 5);
        var fromBucketfs = Bytes(300_007, 6);
        File.WriteAllBytes(s3fs["from-s3fs.bin"], fromS3fs);
        File.WriteAllBytes(mount["from-bucketfs.bin"], fromBucketfs);

        // bucketfs may take the new bucket's root as empty for one metadata TTL; s3fs never looked the name up.
        Assert.True(Eventually.Holds(() => File.Exists(mount["from-s3fs.bin"]), TimeSpan.FromSeconds(10)), "bucketfs never saw the file s3fs wrote");
        Assert.Equal(SHA256.HashData(fromS3fs), SHA256.HashData(File.ReadAllBytes(mount["from-s3fs.bin"])));
        Assert.Equal(SHA256.HashData(fromBucketfs), SHA256.HashData(File.ReadAllBytes(s3fs["from-bucketfs.bin"])));

        // A change through one is seen by a fresh open through the other.
        var changed = Bytes(100_000, 7);
        // close() returns once the object is stored: nothing to wait for.
        File.WriteAllBytes(mount["from-s3fs.bin"], changed);
        Assert.Equal(SHA256.HashData(changed), SHA256.HashData((await S3fsMount.GetObjectAsync(store, bucket, "from-s3fs.bin"))!));
        Assert.Equal("644", S3fsMount.StatAll(mount.Path, ["from-s3fs.bin"])["from-s3fs.bin"].Mode);
    }

    /// <summary>
    /// A directory listing must not take back what a lookup learnt: after stat (a HEAD) has shown
    /// an entry's s3fs mode, owner and type, ls -l (READDIRPLUS, from a listing without metadata)
    /// must not turn a symlink into a regular file or a 640 file into 644.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task AListingDoesNotUndoWhatALookupShowed(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using (var s3fs = S3fsMount.Start(store, bucket))
        {
            File.WriteAllText(s3fs["f"], "content");
            S3fsMount.Run("chmod", "640", s3fs["f"]);
            S3fsMount.Run("chown", "4321:8765", s3fs["f"]);
            S3fsMount.Run("ln", "-s", "f", s3fs["link"]);
        }

        using var mount = BucketMount.Start(store, bucket);
        var looked = S3fsMount.StatAll(mount.Path, ["f", "link"]);
        Assert.Equal("symbolic link", looked["link"].Type);
        Assert.Equal("640", looked["f"].Mode);

        var listed = S3fsMount.Run("ls", "-ln", mount.Path);
        var after = S3fsMount.StatAll(mount.Path, ["f", "link"]);
        string? target = new FileInfo(mount["link"]).LinkTarget;
        Assert.True(looked["f"] == after["f"] && looked["link"] == after["link"] && target == "f",
            $"after ls -l the entries changed: f was [{looked["f"]}], now [{after["f"]}]; link was [{looked["link"]}], now [{after["link"]}], readlink '{target}'. ls -ln showed:\n{listed}");
    }

    /// <summary>
    /// A directory's mtime moves when bucketfs creates, removes or renames an entry in it, and is
    /// kept in the directory's marker, so a fresh s3fs mount shows it too, with the marker's mode
    /// and owner as s3fs wrote them.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task ADirectorysNewTimesFromBucketfsShowInS3fs(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        // A marker as s3fs writes one, from before (s3fs 1.90 keeps no utimens of a directory).
        await store.PutAsync(bucket, "dir/", [], new Dictionary<string, string>
        {
            ["mode"] = "16872", ["uid"] = "4321", ["gid"] = "8765", ["mtime"] = "1577836800",
        });
        Dictionary<string, S3fsMount.Entry> before;
        using (var s3fs = S3fsMount.Start(store, bucket))
            before = S3fsMount.StatAll(s3fs.Path, ["dir"]);
        Assert.Equal(1577836800, before["dir"].Mtime);

        long created;
        using (var mount = BucketMount.Start(store, bucket))
        {
            File.WriteAllText(mount["dir/new"], "written by bucketfs");
            created = S3fsMount.StatAll(mount.Path, ["dir"])["dir"].Mtime;
        }
        Assert.True(created > before["dir"].Mtime, $"bucketfs showed dir's mtime {created} after a create in it, s3fs {before["dir"].Mtime} before");

        using var again = S3fsMount.Start(store, bucket);
        var after = S3fsMount.StatAll(again.Path, ["dir"])["dir"];
        Assert.Equal(before["dir"] with { Mtime = created }, after);
    }
}
