using Bucketfs.Core.Tests.Model;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Core.Tests;

/// <summary>mtime, ctime and atime as s3fs keeps them, the same in every listing and lookup of one version.</summary>
public sealed class TimesTests
{
    private static readonly Dictionary<string, string> S3fsTimes = new()
    {
        ["mode"] = "33188", ["mtime"] = "1600000000.123456789", ["ctime"] = "1600000001.5", ["atime"] = "1600000002",
    };

    [Fact]
    public async Task StoredTimesShowWithTheirFractionsInAListingALookupAndARelisting()
    {
        using var mount = new MountDriver();
        mount.Store.PutDirect("dir/timed", "x"u8, S3fsTimes);

        var listed = (await ListAsync(mount, "dir"))["timed"];
        var looked = (await mount.LookupAsync(await mount.ResolveAsync("dir"), "timed"))!.Value.Attr;
        mount.LetExpire();
        var relisted = (await ListAsync(mount, "dir"))["timed"];

        foreach (var attr in new[] { listed, looked, relisted })
        {
            Assert.Equal(new UnixTime(1600000000, 123456789), attr.MtimeValue);
            Assert.Equal(new UnixTime(1600000001, 500000000), attr.CtimeValue);
            Assert.Equal(new UnixTime(1600000002, 0), attr.AtimeValue);
        }
    }

    [Fact]
    public async Task AnObjectWithoutStoredTimesShowsItsLastModifiedInWholeSecondsWhereverItIsSeen()
    {
        using var mount = new MountDriver();
        mount.Store.PutDirect("dir/plain", "data"u8);
        var lastModified = mount.Store.Find("dir/plain")!.LastModified.ToUnixTimeSeconds();

        var listed = (await ListAsync(mount, "dir"))["plain"];
        mount.LetExpire();
        var looked = (await mount.LookupAsync(await mount.ResolveAsync("dir"), "plain"))!.Value.Attr;

        foreach (var attr in new[] { listed, looked })
        {
            Assert.Equal(new UnixTime(lastModified, 0), attr.MtimeValue);
            Assert.Equal(attr.MtimeValue, attr.CtimeValue);
            Assert.Equal(attr.MtimeValue, attr.AtimeValue);
        }
    }

    [Fact]
    public async Task ALookupThatFindsMetadataInADirectoryJudgedPlainHasItsNextListingsDescribed()
    {
        using var mount = new MountDriver();
        for (int i = 0; i < 20; i++) mount.Store.PutDirect($"dir/plain{i:D2}", "data"u8);
        mount.Store.PutDirect("dir/plain07x", "x"u8, S3fsTimes);
        await ListAsync(mount, "dir");

        mount.LetExpire();
        await mount.LookupAsync(await mount.ResolveAsync("dir"), "plain07x");
        mount.Store.PutDirect("dir/later", "y"u8, S3fsTimes);
        mount.LetExpire();

        Assert.Equal(new UnixTime(1600000000, 123456789), (await ListAsync(mount, "dir"))["later"].MtimeValue);
    }

    [Fact]
    public async Task ChmodMovesCtimeAndKeepsMtimeAndAtime()
    {
        using var mount = new MountDriver();
        mount.Store.PutDirect("timed", "x"u8, S3fsTimes);
        var before = await mount.StatAsync("timed");

        await mount.ChmodAsync("timed", 0x180);

        var after = await mount.StatAsync("timed");
        Assert.Equal(before.MtimeValue, after.MtimeValue);
        Assert.Equal(before.AtimeValue, after.AtimeValue);
        Assert.True(after.Ctime > before.Ctime + 1000, $"ctime {after.Ctime} did not move");
        var stored = mount.Store.Find("timed")!.Metadata;
        Assert.Equal("1600000000.123456789", stored["mtime"]);
        Assert.Equal(after.CtimeValue, Bucketfs.Core.Metadata.S3fsMetadata.Ctime(stored));
    }

    [Fact]
    public async Task AChmodOfPlainDataKeepsTheTimesItShowed()
    {
        using var mount = new MountDriver();
        mount.Store.PutDirect("plain", "data"u8);
        var before = await mount.StatAsync("plain");

        await mount.ChmodAsync("plain", 0x180);
        mount.LetExpire();
        var after = await mount.StatAsync("plain");

        Assert.Equal(before.MtimeValue, after.MtimeValue);
        Assert.Equal(before.AtimeValue, after.AtimeValue);
    }

    [Fact]
    public async Task RenameMovesCtimeAndKeepsMtimeAndContentType()
    {
        using var mount = new MountDriver();
        mount.Store.PutDirect("timed.json", "{}"u8, S3fsTimes, "application/json");

        await mount.RenameAsync("timed.json", "moved.json");

        var moved = mount.Store.Find("moved.json")!;
        Assert.Equal("application/json", moved.ContentType);
        Assert.Equal("1600000000.123456789", moved.Metadata["mtime"]);
        Assert.True(Bucketfs.Core.Metadata.S3fsMetadata.Ctime(moved.Metadata)!.Value.Seconds > 1600000001);
        var shown = await mount.StatAsync("moved.json");
        mount.LetExpire();
        Assert.Equal(shown.CtimeValue, (await mount.StatAsync("moved.json")).CtimeValue);
    }

    [Fact]
    public async Task RenamingPlainDataAddsNoMetadata()
    {
        using var mount = new MountDriver();
        mount.Store.PutDirect("plain.csv", "a,b"u8, contentType: "text/csv");

        await mount.RenameAsync("plain.csv", "moved.csv");

        var moved = mount.Store.Find("moved.csv")!;
        Assert.Empty(moved.Metadata);
        Assert.Equal("text/csv", moved.ContentType);
    }

    /// <summary>READDIRPLUS as ls -l asks: each entry's attributes.</summary>
    internal static async Task<Dictionary<string, FuseAttr>> ListAsync(MountDriver mount, string path)
    {
        var attrs = new Dictionary<string, FuseAttr>();
        ulong handle = mount.Fs.OpenDirectory(await mount.ResolveAsync(path));
        try
        {
            await mount.Fs.ReadDirectoryAsync(handle, 0, plus: true, (string name, in NodeEntry entry, ulong _) =>
            {
                attrs[name] = entry.Attr;
                return true;
            }, CancellationToken.None);
        }
        finally
        {
            mount.Fs.ReleaseDirectory(handle);
        }
        return attrs;
    }
}
