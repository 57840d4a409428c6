using System.Security.Cryptography;
using Bucketfs.ObjectStore.Transfer;
using Bucketfs.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.ObjectStore.Tests.Transfer;

/// <summary>The copy engine against an in-memory store: what is copied, skipped, failed and deleted.</summary>
public sealed class TransfersTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bucketfs-transfers").FullName;
    private readonly MemoryObjectStore _store = new();

    private void Write(string key, byte[] content)
    {
        string path = Path.Combine(_root, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    private Task<TransferSummary> CopyAsync(TransferOptions? options = null) =>
        Transfers.RunAsync(new LocalSide(_root), new StoreSide(_store), options ?? new TransferOptions(), new TransferProgress(), NullLogger.Instance, CancellationToken.None);

    [Fact]
    public async Task ALargeFileMovesInPartsAndArrivesWhole()
    {
        byte[] large = RandomNumberGenerator.GetBytes(12 << 20);
        Write("big.bin", large);

        var summary = await CopyAsync(new TransferOptions { ChunkSize = 5 << 20, Streams = 3 });

        Assert.Equal((1, 0), (summary.Copied, summary.Failed));
        Assert.Equal(large, _store.Find("big.bin")!.Content.ToArray());
        Assert.EndsWith("-3\"", _store.Find("big.bin")!.ETag);
    }

    [Fact]
    public async Task AFailedUploadIsCountedWithItsReasonAndTheRestIsCopied()
    {
        Write("a.txt", [1]);
        Write("b.txt", [2]);
        _store.FailAlways(StoreOperation.Put, StoreError.AccessDenied);

        var summary = await CopyAsync();

        Assert.Equal(2, summary.Failed);
        Assert.All(summary.Failures, f => Assert.Contains("AccessDenied", f.Reason, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SyncHoldsBackDeletionsWhenACopyFailed()
    {
        Write("new.txt", [1]);
        _store.PutDirect("old.txt", [2]);
        _store.FailAlways(StoreOperation.Put, StoreError.Unavailable);

        var summary = await CopyAsync(new TransferOptions { Delete = true });

        Assert.Equal((1, 0, 1), (summary.Failed, summary.Deleted, summary.DeletionsHeldBack));
        Assert.NotNull(_store.Find("old.txt"));
    }

    [Fact]
    public async Task ChecksumModeSkipsFilesWithTheSameMd5WhateverTheirTime()
    {
        Write("same.txt", [1, 2, 3]);
        Write("other.txt", [4, 5, 6]);
        _store.PutDirect("same.txt", [1, 2, 3]);
        _store.PutDirect("other.txt", [9, 9, 9]);

        var summary = await CopyAsync(new TransferOptions { Checksum = true });

        Assert.Equal((1, 1), (summary.Copied, summary.Skipped));
        Assert.Equal([4, 5, 6], _store.Find("other.txt")!.Content.ToArray());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
