using System.Security.Cryptography;
using System.Text;
using Bucketfs.ObjectStore;
using Bucketfs.Testing;

namespace Bucketfs.Core.Tests;

public sealed class MemoryObjectStoreTests
{
    private static readonly byte[] Hello = Encoding.ASCII.GetBytes("hello");
    private static readonly Dictionary<string, string> Mode = new() { ["mode"] = "33188" };
    private readonly MemoryObjectStore _store = new() { MinPartSize = 1 };

    private static async Task<StoreError> ErrorOf(Func<Task> call) => (await Assert.ThrowsAsync<ObjectStoreException>(call)).Error;

    [Fact]
    public async Task SinglePutETagIsTheQuotedMd5OfTheContent()
    {
        string etag = await _store.PutAsync("k", Hello, ObjectAttributes.None, CancellationToken.None);

        Assert.Equal("\"5d41402abc4b2a76b9719d911017c592\"", etag);
        Assert.Equal(etag, (await _store.HeadAsync("k", CancellationToken.None))?.ETag);
    }

    [Fact]
    public async Task MultipartETagIsTheMd5OfThePartMd5sAndThePartCount()
    {
        string id = await _store.StartUploadAsync("k", new ObjectAttributes(Mode, "text/plain"), CancellationToken.None);
        var first = await _store.UploadPartAsync("k", id, 1, Hello, CancellationToken.None);
        var second = await _store.UploadPartAsync("k", id, 2, Encoding.ASCII.GetBytes(" world"), CancellationToken.None);

        string etag = await _store.CompleteUploadAsync("k", id, [first, second], CancellationToken.None);

        byte[] digests = [.. MD5.HashData(Hello), .. MD5.HashData(Encoding.ASCII.GetBytes(" world"))];
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(digests))}-2\"", etag);
        var stored = _store.Find("k")!;
        Assert.Equal("hello world", Encoding.ASCII.GetString(stored.Content.Span));
        Assert.Equal("33188", stored.Metadata["mode"]);
        Assert.Equal("text/plain", stored.ContentType);
        Assert.Empty(_store.Uploads());
    }

    [Fact]
    public async Task UploadWithASmallPartBeforeTheLastIsRejectedAsRadosgwRejectsIt()
    {
        var store = new MemoryObjectStore();
        string id = await store.StartUploadAsync("k", ObjectAttributes.None, CancellationToken.None);
        var first = await store.UploadPartAsync("k", id, 1, Hello, CancellationToken.None);
        var second = await store.UploadPartAsync("k", id, 2, Hello, CancellationToken.None);

        Assert.Equal(StoreError.Rejected, await ErrorOf(() => store.CompleteUploadAsync("k", id, [first, second], CancellationToken.None)));
        Assert.Equal(StoreError.Rejected, await ErrorOf(() => store.CompleteUploadAsync("k", id, [second, first], CancellationToken.None)));
        Assert.Equal([1, 2], Assert.Single(store.Uploads()).PartNumbers);
    }

    [Fact]
    public async Task UnknownOrAbortedUploadIsNotFoundAsNoSuchUploadMaps()
    {
        string id = await _store.StartUploadAsync("k", ObjectAttributes.None, CancellationToken.None);
        var part = await _store.UploadPartAsync("k", id, 1, Hello, CancellationToken.None);
        await _store.AbortUploadAsync("k", id, CancellationToken.None);

        Assert.Equal(StoreError.NotFound, await ErrorOf(() => _store.CompleteUploadAsync("k", id, [part], CancellationToken.None)));
        Assert.Equal(StoreError.NotFound, await ErrorOf(() => _store.UploadPartAsync("k", "nope", 1, Hello, CancellationToken.None)));
        Assert.Null(_store.Find("k"));
        Assert.Empty(_store.Uploads());
    }

    [Fact]
    public async Task CopyPartTakesTheRangeOfTheSourceVersionAskedFor()
    {
        string source = _store.PutDirect("src", Encoding.ASCII.GetBytes("0123456789"));
        string id = await _store.StartUploadAsync("k", ObjectAttributes.None, CancellationToken.None);

        var part = await _store.CopyPartAsync("k", id, 1, "src", 3, 4, source, CancellationToken.None);
        Assert.Equal(StoreError.InvalidRange, await ErrorOf(() => _store.CopyPartAsync("k", id, 2, "src", 8, 4, null, CancellationToken.None)));
        Assert.Equal(StoreError.PreconditionFailed, await ErrorOf(() => _store.CopyPartAsync("k", id, 2, "src", 0, 1, "\"other\"", CancellationToken.None)));
        await _store.CompleteUploadAsync("k", id, [part], CancellationToken.None);

        Assert.Equal("3456", Encoding.ASCII.GetString(_store.Find("k")!.Content.Span));
    }

    [Fact]
    public async Task ReadIsShortOnlyAtTheEndOfTheObject()
    {
        _store.PutDirect("k", Hello);
        var buffer = new byte[4];

        Assert.Equal(4, await _store.ReadAsync("k", 0, buffer, null, CancellationToken.None));
        Assert.Equal(2, await _store.ReadAsync("k", 3, buffer, null, CancellationToken.None));
        Assert.Equal("lo", Encoding.ASCII.GetString(buffer, 0, 2));
        Assert.Equal(0, await _store.ReadAsync("k", 5, buffer, null, CancellationToken.None));
    }

    [Fact]
    public async Task ReadOfAnotherVersionFailsWithPreconditionFailedAndOfNoObjectWithNotFound()
    {
        string old = _store.PutDirect("k", Hello);
        _store.PutDirect("k", [1, 2, 3, 4, 5]);
        var buffer = new byte[5];

        Assert.Equal(StoreError.PreconditionFailed, await ErrorOf(() => _store.ReadAsync("k", 0, buffer, old, CancellationToken.None)));
        Assert.Equal(StoreError.PreconditionFailed, await ErrorOf(() => _store.ReadWholeAsync("k", buffer, old, CancellationToken.None)));
        Assert.Equal(StoreError.NotFound, await ErrorOf(() => _store.ReadAsync("gone", 0, buffer, null, CancellationToken.None)));
        Assert.Null(await _store.HeadAsync("gone", CancellationToken.None));
        Assert.Null(await _store.HeadAndReadAsync("gone", buffer, CancellationToken.None));
    }

    [Fact]
    public async Task HeadAndReadGivesTheDescriptionAndTheFirstBytesOfOneVersion()
    {
        string etag = _store.PutDirect("k", Hello, Mode);
        var buffer = new byte[3];

        var start = await _store.HeadAndReadAsync("k", buffer, CancellationToken.None);

        Assert.Equal(3, start?.Read);
        Assert.Equal(etag, start?.Info.ETag);
        Assert.Equal(5, start?.Info.Size);
        Assert.Equal("33188", start?.Info.Metadata["mode"]);
        Assert.Equal("hel", Encoding.ASCII.GetString(buffer));
    }

    [Fact]
    public async Task CopyFromAChangedSourceFailsWithPreconditionFailed()
    {
        string old = _store.PutDirect("src", Hello);
        _store.PutDirect("src", [1]);

        Assert.Equal(StoreError.PreconditionFailed, await ErrorOf(() => _store.CopyAsync("src", "dst", null, old, CancellationToken.None)));
        Assert.Equal(StoreError.NotFound, await ErrorOf(() => _store.CopyAsync("gone", "dst", null, null, CancellationToken.None)));
        Assert.Null(_store.Find("dst"));
    }

    [Fact]
    public async Task CopyKeepsTheSourcesAttributesOrReplacesThemAll()
    {
        _store.PutDirect("src", Hello, Mode, "text/plain");

        await _store.CopyAsync("src", "kept", null, null, CancellationToken.None);
        await _store.CopyAsync("src", "replaced", new ObjectAttributes(new Dictionary<string, string> { ["UID"] = "7" }), null, CancellationToken.None);

        Assert.Equal("text/plain", _store.Find("kept")!.ContentType);
        Assert.Equal("33188", _store.Find("kept")!.Metadata["mode"]);
        var replaced = _store.Find("replaced")!;
        Assert.Equal(["uid"], replaced.Metadata.Keys);
        Assert.Null(replaced.ContentType);
        Assert.Equal(Hello, replaced.Content.ToArray());
    }

    [Fact]
    public async Task CopyOntoItselfChangesMetadataAndIsRefusedWithoutNewAttributes()
    {
        string etag = _store.PutDirect("k", Hello, Mode);

        Assert.Equal(StoreError.Rejected, await ErrorOf(() => _store.CopyAsync("k", "k", null, null, CancellationToken.None)));
        await _store.CopyAsync("k", "k", new ObjectAttributes(new Dictionary<string, string> { ["mode"] = "33261" }), etag, CancellationToken.None);

        Assert.Equal("33261", (await _store.HeadAsync("k", CancellationToken.None))?.Metadata["mode"]);
        Assert.Equal(Hello, _store.Find("k")!.Content.ToArray());
    }

    [Fact]
    public async Task DeletingAMissingKeySucceedsAsInS3()
    {
        _store.PutDirect("k", Hello);

        await _store.DeleteAsync("k", CancellationToken.None);
        await _store.DeleteAsync("k", CancellationToken.None);

        Assert.Empty(_store.Snapshot());
    }

    [Fact]
    public async Task LastModifiedIsTheWholeSecondOfTheStoresClock()
    {
        var store = new MemoryObjectStore(new FixedTime(new DateTimeOffset(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero)));

        await store.PutAsync("k", Hello, ObjectAttributes.None, CancellationToken.None);

        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), (await store.HeadAsync("k", CancellationToken.None))?.LastModified);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
