using System.Security.Cryptography;
using Bucketfs.MemoryFs;

namespace Bucketfs.Fuse.Tests.Mounts;

/// <summary>The in-memory filesystem mounted as root, driven with ordinary file APIs (plain syscalls underneath).</summary>
[Collection(MountCollection.Name)]
public sealed class MemoryFsSyscallTests : IDisposable
{
    private readonly TestMount _mount = TestMount.Start(new MemoryFileSystem());

    public void Dispose() => _mount.Dispose();

    [Fact]
    public void CreatedFileReadsBackWhatWasWritten()
    {
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        File.WriteAllBytes(_mount["a.bin"], data);
        Assert.Equal(data, File.ReadAllBytes(_mount["a.bin"]));
        Assert.Equal(data.Length, new FileInfo(_mount["a.bin"]).Length);
    }

    [Fact]
    public void AppendAddsToTheEnd()
    {
        File.WriteAllText(_mount["log"], "one\n");
        File.AppendAllText(_mount["log"], "two\n");
        Assert.Equal("one\ntwo\n", File.ReadAllText(_mount["log"]));
    }

    [Fact]
    public void OpenWithTruncateEmptiesTheFile()
    {
        File.WriteAllText(_mount["f"], "a long first version");
        File.WriteAllText(_mount["f"], "short");
        Assert.Equal("short", File.ReadAllText(_mount["f"]));
    }

    [Fact]
    public void TruncateShrinksAndExtendsWithZeros()
    {
        File.WriteAllBytes(_mount["t"], [1, 2, 3, 4, 5, 6]);
        using (var f = new FileStream(_mount["t"], FileMode.Open)) f.SetLength(2);
        Assert.Equal(new byte[] { 1, 2 }, File.ReadAllBytes(_mount["t"]));
        using (var f = new FileStream(_mount["t"], FileMode.Open)) f.SetLength(5);
        Assert.Equal(new byte[] { 1, 2, 0, 0, 0 }, File.ReadAllBytes(_mount["t"]));
    }

    [Fact]
    public void RandomWritesLandAtTheirOffsets()
    {
        using (var f = new FileStream(_mount["r"], FileMode.Create))
        {
            f.Position = 10;
            f.Write([9, 9]);
            f.Position = 2;
            f.Write([7]);
        }
        var bytes = File.ReadAllBytes(_mount["r"]);
        Assert.Equal(12, bytes.Length);
        Assert.Equal(7, bytes[2]);
        Assert.Equal(9, bytes[11]);
    }

    [Fact]
    public void RenameMovesFilesAndDirectoriesWithTheirContent()
    {
        Directory.CreateDirectory(_mount["d1/sub"]);
        File.WriteAllText(_mount["d1/sub/f"], "x");
        Directory.Move(_mount["d1"], _mount["d2"]);
        File.Move(_mount["d2/sub/f"], _mount["d2/g"]);
        Assert.False(Directory.Exists(_mount["d1"]));
        Assert.Equal("x", File.ReadAllText(_mount["d2/g"]));
        Assert.Empty(Directory.GetFileSystemEntries(_mount["d2/sub"]));
    }

    [Fact]
    public void RenameOntoAnExistingFileReplacesIt()
    {
        File.WriteAllText(_mount["a"], "new");
        File.WriteAllText(_mount["b"], "old");
        File.Move(_mount["a"], _mount["b"], overwrite: true);
        Assert.Equal("new", File.ReadAllText(_mount["b"]));
        Assert.False(File.Exists(_mount["a"]));
    }

    [Fact]
    public void RmdirRefusesANonEmptyDirectory()
    {
        Directory.CreateDirectory(_mount["full"]);
        File.WriteAllText(_mount["full/f"], "");
        var e = Assert.Throws<IOException>(() => Directory.Delete(_mount["full"]));
        Assert.Contains("not empty", e.Message, StringComparison.OrdinalIgnoreCase);
        File.Delete(_mount["full/f"]);
        Directory.Delete(_mount["full"]);
        Assert.False(Directory.Exists(_mount["full"]));
    }

    [Fact]
    public void UnlinkedFileStaysReadableThroughAnOpenHandle()
    {
        File.WriteAllText(_mount["gone"], "still here");
        using var stream = File.OpenRead(_mount["gone"]);
        File.Delete(_mount["gone"]);
        Assert.False(File.Exists(_mount["gone"]));
        Assert.Equal("still here", new StreamReader(stream).ReadToEnd());
    }

    [Fact]
    public void ChmodChownAndUtimensAreKept()
    {
        File.WriteAllText(_mount["m"], "");
        File.SetUnixFileMode(_mount["m"], UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.OtherRead);
        Tool.Run("chown", "1234:5678", _mount["m"]).Ok();
        var when = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(_mount["m"], when);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.OtherRead, File.GetUnixFileMode(_mount["m"]));
        Assert.Equal("1234:5678", Tool.Run("stat", "-c", "%u:%g", _mount["m"]).Ok().Stdout.Trim());
        Assert.Equal(when, File.GetLastWriteTimeUtc(_mount["m"]));
    }

    [Fact]
    public void SymlinkPointsAtItsTarget()
    {
        File.WriteAllText(_mount["target"], "t");
        File.CreateSymbolicLink(_mount["link"], "target");
        Assert.Equal("target", new FileInfo(_mount["link"]).LinkTarget);
        Assert.Equal("t", File.ReadAllText(_mount["link"]));
    }

    [Fact]
    public void HardLinksAreRefusedWithEperm()
    {
        File.WriteAllText(_mount["h"], "");
        var result = Tool.Run("ln", _mount["h"], _mount["h2"]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("not permitted", result.Stderr);
    }

    [Fact]
    public void ListingShowsEveryEntryOfALargeDirectory()
    {
        Directory.CreateDirectory(_mount["many"]);
        for (int i = 0; i < 1500; i++) File.WriteAllText(_mount[$"many/file-{i:D5}"], "");
        var names = Directory.GetFiles(_mount["many"]).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 1500).Select(i => $"file-{i:D5}"), names);
    }

    [Fact]
    public void ExclusiveCreateOfAnExistingNameFails()
    {
        File.WriteAllText(_mount["x"], "");
        Assert.Throws<IOException>(() => new FileStream(_mount["x"], FileMode.CreateNew).Dispose());
    }

    [Fact]
    public void StatfsReportsNameMax255()
    {
        Assert.Equal("255", Tool.Run("stat", "-f", "-c", "%l", _mount.Path).Ok().Stdout.Trim());
    }
}
