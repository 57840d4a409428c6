using Bucketfs.ObjectStore.Metadata;
using Bucketfs.ObjectStore.Transfer;
using Bucketfs.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.ObjectStore.Tests.Transfer;

/// <summary>Empty folders, symbolic links and owners go up as s3fs stores them and come back as they were.</summary>
public sealed class FoldersAndLinksTests : IDisposable
{
    private static readonly DateTimeOffset Mtime = new(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly string _root = Directory.CreateTempSubdirectory("bucketfs-folders-links").FullName;
    private readonly MemoryObjectStore _store = new();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Local(string name) => Path.Combine(_root, name);

    private static Task<TransferSummary> RunAsync(ITransferSide source, ITransferSide destination, bool delete = false) =>
        Transfers.RunAsync(source, destination, new TransferOptions { Delete = delete }, new TransferProgress(), NullLogger.Instance, CancellationToken.None);

    /// <summary>src/ with a file, an empty folder and a link to the file.</summary>
    private string MakeTree()
    {
        string source = Directory.CreateDirectory(Local("src")).FullName;
        File.WriteAllText(Path.Combine(source, "a.txt"), "alpha");
        Directory.CreateDirectory(Path.Combine(source, "empty"));
        File.CreateSymbolicLink(Path.Combine(source, "link"), "a.txt");
        Directory.SetLastWriteTimeUtc(Path.Combine(source, "empty"), Mtime.UtcDateTime);
        return source;
    }

    [Fact]
    public async Task EmptyFoldersAndLinksGoUpAsS3fsStoresThemWithOwners()
    {
        string source = MakeTree();
        var summary = await RunAsync(new LocalSide(source), new StoreSide(_store));

        Assert.Equal((3, 0), (summary.Copied, summary.Failed));
        var folder = _store.Find("empty/")!;
        Assert.Equal(S3fsHeaders.DirectoryContentType, folder.ContentType);
        Assert.Equal(S3fsHeaders.DirectoryType, uint.Parse(folder.Metadata["mode"]) & S3fsHeaders.TypeMask);
        Assert.Equal(S3fsHeaders.FormatTime(Mtime), folder.Metadata["mtime"]);
        var link = _store.Find("link")!;
        Assert.Equal("a.txt"u8.ToArray(), link.Content.ToArray());
        Assert.Equal(S3fsHeaders.SymlinkType | 0x1FF, uint.Parse(link.Metadata["mode"]));
        Assert.Equal((Id("-u"), Id("-g")), (_store.Find("a.txt")!.Metadata["uid"], _store.Find("a.txt")!.Metadata["gid"]));
        Assert.Equal((0, 3), Counts(await RunAsync(new LocalSide(source), new StoreSide(_store))));
    }

    [Fact]
    public async Task ProgressCountsFoldersAndLinksAsFiles()
    {
        var progress = new TransferProgress();

        await Transfers.RunAsync(new LocalSide(MakeTree()), new StoreSide(_store), new TransferOptions(), progress, NullLogger.Instance, CancellationToken.None);

        // "alpha" and the link's target "a.txt"; the folder has no bytes.
        Assert.Equal((3L, 3L, 10L), (progress.FilesQueued, progress.FilesDone, progress.BytesDone));
        Assert.Equal(progress.BytesQueued, progress.BytesDone);
    }

    [Fact]
    public async Task CopyLinksUploadsWhatTheLinkPointsTo()
    {
        await RunAsync(new LocalSide(MakeTree(), followLinks: true), new StoreSide(_store));

        Assert.Equal("alpha"u8.ToArray(), _store.Find("link")!.Content.ToArray());
        Assert.Equal(S3fsHeaders.RegularType, uint.Parse(_store.Find("link")!.Metadata["mode"]) & S3fsHeaders.TypeMask);
    }

    [Fact]
    public async Task CopyLinksFollowsALinkToAFolderButNotBackUpTheTree()
    {
        string source = MakeTree();
        File.CreateSymbolicLink(Path.Combine(source, "alias"), "empty");
        File.CreateSymbolicLink(Path.Combine(source, "up"), ".");
        var keys = new List<string>();

        await foreach (var entry in new LocalSide(source, followLinks: true).ListAsync(CancellationToken.None)) keys.Add(entry.Key);

        Assert.Equal(["a.txt", "alias/", "empty/", "link"], keys);
    }

    [Fact]
    public async Task MarkersAndLinkObjectsComeDownAsFoldersAndLinksWithTheirTimes()
    {
        await RunAsync(new LocalSide(MakeTree()), new StoreSide(_store));
        _store.PutDirect("deep/", [], new Dictionary<string, string> { ["mode"] = "16832", ["mtime"] = S3fsHeaders.FormatTime(Mtime) });
        _store.PutDirect("deep/inner.txt", "in"u8);

        var summary = await RunAsync(new StoreSide(_store), new LocalSide(Local("back")));

        Assert.Equal((5, 0), (summary.Copied, summary.Failed));
        Assert.Equal("a.txt", new FileInfo(Local("back/link")).LinkTarget);
        Assert.Equal("alpha", File.ReadAllText(Local("back/link")));
        Assert.True(Directory.Exists(Local("back/empty")));
        Assert.Equal(Mtime.UtcDateTime, Directory.GetLastWriteTimeUtc(Local("back/empty")));
        // Written into after it was made, and given its time again at the end.
        Assert.Equal(Mtime.UtcDateTime, Directory.GetLastWriteTimeUtc(Local("back/deep")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Local("back/deep")));
    }

    [Fact]
    public async Task SyncDeletesFoldersAndLinksTheSourceLacksButKeepsMarkersOfFoldersItHas()
    {
        string source = MakeTree();
        Directory.CreateDirectory(Path.Combine(source, "kept"));
        File.WriteAllText(Path.Combine(source, "kept", "k.txt"), "k");
        _store.PutDirect("kept/", [], new Dictionary<string, string> { ["mode"] = "16877" });
        _store.PutDirect("gone/", []);
        _store.PutDirect("gone/g.txt", "g"u8);
        _store.PutDirect("oldlink", "x"u8, new Dictionary<string, string> { ["mode"] = "41471" });

        var summary = await RunAsync(new LocalSide(source), new StoreSide(_store), delete: true);

        Assert.Equal((3, 0), (summary.Deleted, summary.Failed));
        Assert.Equal(["a.txt", "empty/", "kept/", "kept/k.txt", "link"], _store.Snapshot().Keys.Order(StringComparer.Ordinal));

        var back = Local("back");
        await RunAsync(new StoreSide(_store), new LocalSide(back));
        _store.DeleteDirect("empty/");
        _store.DeleteDirect("link");
        await RunAsync(new StoreSide(_store), new LocalSide(back), delete: true);
        Assert.Equal(["a.txt", "kept"], Directory.EnumerateFileSystemEntries(back).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static (long Copied, long Skipped) Counts(TransferSummary s) => (s.Copied, s.Skipped);

    /// <summary>This process's user or group id, as id(1) prints it.</summary>
    private static string Id(string which)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("id", which) { RedirectStandardOutput = true })!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }
}
