using System.Text;
using Bucketfs.ObjectStore.Swift;

namespace Bucketfs.ObjectStore.Tests;

/// <summary>A Swift JSON listing page reads as the S3-shaped page the filesystem expects.</summary>
public sealed class SwiftListingTests
{
    private const string Page = """
        [{"bytes": 2097152, "hash": "24d9f8af59e6d97f920cac149c6c2a0e", "name": "p/big", "content_type": "text/plain", "last_modified": "2026-12-07T19:49:18.374900", "slo_etag": "\"e2ff90917298a3e8e6c3e702f2ea9303\""},
         {"subdir": "p/dir/"},
         {"bytes": 6, "hash": "b1946ac92492d2347c6235b4d2611184", "name": "p/small", "content_type": "text/plain", "last_modified": "2026-12-07T19:49:20.000000"}]
        """;

    [Fact]
    public void ObjectsAndSubdirsAreSplitWithQuotedETagsAndHeadTimes()
    {
        var page = SwiftListing.Parse(Encoding.UTF8.GetBytes(Page), 1000, name => name[2..]);
        Assert.Equal(["big", "small"], page.Objects.Select(o => o.Key));
        Assert.Equal(["dir/"], page.CommonPrefixes);
        // A large object's ETag is its SLO ETag, as HEAD shows it; times round up as HEAD's Last-Modified does.
        Assert.Equal("\"e2ff90917298a3e8e6c3e702f2ea9303\"", page.Objects[0].ETag);
        Assert.Equal(DateTimeOffset.Parse("2026-12-07T19:49:19Z"), page.Objects[0].LastModified);
        Assert.Equal("\"b1946ac92492d2347c6235b4d2611184\"", page.Objects[1].ETag);
        Assert.Equal(DateTimeOffset.Parse("2026-12-07T19:49:20Z"), page.Objects[1].LastModified);
        Assert.Null(page.Continuation);
    }

    [Fact]
    public void FullPageContinuesAfterItsLastEntryEvenASubdir()
    {
        var page = SwiftListing.Parse(Encoding.UTF8.GetBytes("""[{"name": "a", "bytes": 1, "hash": "x"}, {"subdir": "b/"}]"""), 2, name => name);
        Assert.Equal("b/", page.Continuation);
    }

    [Fact]
    public void QueryEscapesPrefixDelimiterAndMarker()
    {
        Assert.Equal("?format=json&limit=10&prefix=a%20b%2F&delimiter=%2F&marker=a%20b%2Fc%26d", SwiftListing.Query("a b/", "/", "a b/c&d", 10));
    }
}
