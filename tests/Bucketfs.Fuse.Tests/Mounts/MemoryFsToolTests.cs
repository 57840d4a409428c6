using Bucketfs.MemoryFs;

namespace Bucketfs.Fuse.Tests.Mounts;

/// <summary>The in-memory filesystem mounted as root, driven with the tools people use on it.</summary>
[Collection(MountCollection.Name)]
public sealed class MemoryFsToolTests : IDisposable
{
    private readonly TestMount _mount = TestMount.Start(new MemoryFileSystem());

    public void Dispose() => _mount.Dispose();

    [Fact]
    public void CpAndMvCopyATreeInAndOutIntact()
    {
        var source = Path.Combine(_mount.Directory.Path, "src");
        Directory.CreateDirectory(Path.Combine(source, "a/b"));
        Tool.Run("dd", "if=/dev/urandom", $"of={source}/a/b/blob", "bs=1M", "count=5", "status=none").Ok();
        File.WriteAllText(Path.Combine(source, "a/small.txt"), "small");
        Tool.Run("cp", "-a", source, _mount["tree"]).Ok();
        Tool.Run("mv", _mount["tree"], _mount["moved"]).Ok();
        Tool.Run("diff", "-r", source, _mount["moved"]).Ok();
        var back = Path.Combine(_mount.Directory.Path, "back");
        Tool.Run("cp", "-a", _mount["moved"], back).Ok();
        Tool.Run("diff", "-r", source, back).Ok();
    }

    [Fact]
    public void LsLongShowsModesSizesAndLinks()
    {
        File.WriteAllText(_mount["file"], "12345");
        Tool.Run("chmod", "640", _mount["file"]).Ok();
        Tool.Run("ln", "-s", "file", _mount["sym"]).Ok();
        Directory.CreateDirectory(_mount["dir"]);
        var lines = Tool.Run("ls", "-l", _mount.Path).Ok().Stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("-rw-r-----") && l.Contains(" 5 ") && l.EndsWith(" file"));
        Assert.Contains(lines, l => l.StartsWith("lrwxrwxrwx") && l.EndsWith("sym -> file"));
        Assert.Contains(lines, l => l.StartsWith("drwxr-xr-x") && l.EndsWith(" dir"));
    }

    [Fact]
    public void FindWalksTheWholeTree()
    {
        for (int d = 0; d < 5; d++)
        {
            Directory.CreateDirectory(_mount[$"d{d}/inner"]);
            for (int f = 0; f < 20; f++) File.WriteAllText(_mount[$"d{d}/inner/f{f}"], "");
        }
        var found = Tool.Run("find", _mount.Path, "-type", "f").Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(100, found.Length);
        Assert.Equal("11", Tool.Run("sh", "-c", $"find {_mount.Path} -type d | wc -l").Ok().Stdout.Trim());
    }

    [Fact]
    public void DdWithDirectIoRoundTrips()
    {
        var source = Path.Combine(_mount.Directory.Path, "random");
        Tool.Run("dd", "if=/dev/urandom", $"of={source}", "bs=1M", "count=8", "status=none").Ok();
        Tool.Run("dd", $"if={source}", $"of={_mount["direct"]}", "bs=1M", "oflag=direct", "status=none").Ok();
        Tool.Run("dd", $"if={_mount["direct"]}", $"of={source}.back", "bs=1M", "iflag=direct", "status=none").Ok();
        Tool.Run("cmp", source, source + ".back").Ok();
    }

    [Fact]
    public void StatAndTruncateAgree()
    {
        Tool.Run("truncate", "-s", "1G", _mount["sparse"]).Ok();
        Assert.Equal("1073741824 regular file", Tool.Run("stat", "-c", "%s %F", _mount["sparse"]).Ok().Stdout.Trim());
        Tool.Run("truncate", "-s", "10", _mount["sparse"]).Ok();
        Assert.Equal("10", Tool.Run("stat", "-c", "%s", _mount["sparse"]).Ok().Stdout.Trim());
    }

    [Fact]
    public void XattrsSetListGetAndRemove()
    {
        File.WriteAllText(_mount["x"], "");
        Tool.Run("setfattr", "-n", "user.color", "-v", "blue", _mount["x"]).Ok();
        Tool.Run("setfattr", "-n", "user.size", "-v", "large", _mount["x"]).Ok();
        Assert.Equal("blue", Tool.Run("getfattr", "--only-values", "-n", "user.color", _mount["x"]).Ok().Stdout);
        var dump = Tool.Run("getfattr", "-d", _mount["x"]).Ok().Stdout;
        Assert.Contains("user.color=\"blue\"", dump);
        Assert.Contains("user.size=\"large\"", dump);
        Tool.Run("setfattr", "-x", "user.color", _mount["x"]).Ok();
        Assert.NotEqual(0, Tool.Run("getfattr", "-n", "user.color", _mount["x"]).ExitCode);
    }

    [Fact]
    public void MountTableShowsTheFilesystemAsBucketfs()
    {
        var line = File.ReadLines("/proc/mounts").Single(l => l.Split(' ')[1] == _mount.Path);
        Assert.StartsWith("bucketfs ", line);
        Assert.Contains(" fuse.bucketfs ", line);
    }
}
