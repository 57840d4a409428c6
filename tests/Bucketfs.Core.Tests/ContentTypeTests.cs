using Bucketfs.Core.Metadata;
using Bucketfs.Core.Tests.Model;

namespace Bucketfs.Core.Tests;

/// <summary>Content-Type as s3fs sets it: from the name's extension on new objects, kept by chmod and rename.</summary>
public sealed class ContentTypeTests
{
    [Theory]
    [InlineData("dir/x.json", "application/json")]
    [InlineData("photo.JPG", "image/jpeg")]
    [InlineData("table.parquet", "application/vnd.apache.parquet")]
    [InlineData("data.csv.unknown-suffix", "text/csv")]
    [InlineData("README", MimeTypes.Default)]
    [InlineData("dir.d/noextension", MimeTypes.Default)]
    public void TheBuiltInMapNamesCommonDataTypes(string key, string expected) =>
        Assert.Equal(expected, MimeTypes.For(key, MimeTypes.Load("/nonexistent/mime.types")));

    [Fact]
    public async Task ANewFileGetsTheContentTypeOfItsExtension()
    {
        using var mount = new MountDriver();
        await mount.CreateAsync("x.json", 0x1A4, "{}"u8.ToArray());
        await mount.RemountAsync();
        Assert.Equal("application/json", mount.Store.Find("x.json")!.ContentType);
    }

    [Fact]
    public async Task ADirectoryChmodKeepsItsMarkersOtherHeaders()
    {
        using var mount = new MountDriver();
        mount.Store.PutDirect("d/", [], new Dictionary<string, string> { ["mode"] = "16877", ["custom"] = "kept" }, "httpd/unix-directory");

        await mount.ChmodAsync("d", 0x1C0);

        var marker = mount.Store.Find("d/")!;
        Assert.Equal("httpd/unix-directory", marker.ContentType);
        Assert.Equal("kept", marker.Metadata["custom"]);
        Assert.Equal($"{0x4000 | 0x1C0}", marker.Metadata["mode"]);
        Assert.Equal(["atime", "ctime", "custom", "gid", "mode", "mtime", "uid"], marker.Metadata.Keys.Order());
    }
}
