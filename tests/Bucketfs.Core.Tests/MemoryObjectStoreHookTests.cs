using System.Diagnostics;
using Bucketfs.ObjectStore;
using Bucketfs.Testing;

namespace Bucketfs.Core.Tests;

public sealed class MemoryObjectStoreHookTests
{
    /// <summary>How long a test waits for something that should happen at once.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly MemoryObjectStore _store = new();

    public MemoryObjectStoreHookTests() => _store.PutDirect("k", [1, 2, 3]);

    private Task<ObjectInfo?> Head(CancellationToken cancellation = default) => _store.HeadAsync("k", cancellation);

    [Fact]
    public async Task FailNextFailsThatManyCallsOfTheKindThenTheStoreAnswersAgain()
    {
        _store.FailNext(StoreOperation.Head, StoreError.Unavailable, 2);

        for (int i = 0; i < 2; i++)
            Assert.Equal(StoreError.Unavailable, (await Assert.ThrowsAsync<ObjectStoreException>(() => Head())).Error);
        Assert.NotNull(await _store.ListAsync("", null, null, 10, CancellationToken.None));
        Assert.NotNull(await Head());
    }

    [Fact]
    public async Task FailAlwaysFailsEveryCallUntilStopFailing()
    {
        _store.FailAlways(StoreOperation.AnyWrite, StoreError.AccessDenied);

        for (int i = 0; i < 3; i++)
            Assert.Equal(StoreError.AccessDenied, (await Assert.ThrowsAsync<ObjectStoreException>(() => _store.DeleteAsync("k", CancellationToken.None))).Error);
        Assert.NotNull(_store.Find("k"));
        _store.StopFailing();
        await _store.DeleteAsync("k", CancellationToken.None);

        Assert.Null(_store.Find("k"));
    }

    [Fact]
    public async Task HeldCallsStayInFlightTogetherUntilTheGateIsReleased()
    {
        var gate = _store.Hold(StoreOperation.Head);

        var heads = Enumerable.Range(0, 3).Select(_ => Head()).ToArray();
        await gate.WhenArrived(3).WaitAsync(Bound);

        Assert.Equal(3, gate.Waiting);
        Assert.All(heads, h => Assert.False(h.IsCompleted));
        gate.Release();
        Assert.All(await Task.WhenAll(heads).WaitAsync(Bound), Assert.NotNull);
        Assert.NotNull(await Head().WaitAsync(Bound));
    }

    [Fact]
    public async Task HeldCallThatIsCancelledThrowsOperationCanceled()
    {
        using var gate = _store.Hold(StoreOperation.Head);
        using var cancellation = new CancellationTokenSource();

        var head = Head(cancellation.Token);
        await gate.WhenArrived(1).WaitAsync(Bound);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => head.WaitAsync(Bound));
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task DelayedCallThatIsCancelledThrowsOperationCanceled()
    {
        _store.Delay(StoreOperation.Read, TimeSpan.FromHours(1));
        using var cancellation = new CancellationTokenSource();

        var read = _store.ReadAsync("k", 0, new byte[3], null, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Bound));
    }

    [Fact]
    public async Task DelayedCallAnswersOnceItsDelayHasPassed()
    {
        _store.Delay(StoreOperation.Read, TimeSpan.FromMilliseconds(50));
        var watch = Stopwatch.StartNew();

        int read = await _store.ReadAsync("k", 0, new byte[3], null, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(3, read);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(45), $"answered after {watch.Elapsed}");
    }

    [Fact]
    public async Task CallCancelledBeforeItStartsThrowsOperationCanceled()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Head(new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task CallsAreCountedPerKindAndChangesBehindTheBackAreNot()
    {
        await Head();
        await _store.ReadAsync("k", 1, new byte[2], null, CancellationToken.None);
        await _store.ReadWholeAsync("k", new byte[3], _store.Find("k")!.ETag, CancellationToken.None);
        _store.PutDirect("other", [4]);
        _store.DeleteDirect("other");

        Assert.Equal(1, _store.Calls(StoreOperation.Head));
        Assert.Equal(2, _store.Calls(StoreOperation.AnyRead));
        Assert.Equal(0, _store.Calls(StoreOperation.AnyWrite));
        Assert.Equal([new ReadRange("k", 1, 2), new ReadRange("k", 0, 3)], _store.ReadRanges());
    }

    [Fact]
    public void SnapshotHoldsEveryObjectWithItsAttributes()
    {
        _store.PutDirect("d/x", [9], new Dictionary<string, string> { ["Mode"] = "16877" }, "application/x-directory");

        var snapshot = _store.Snapshot();

        Assert.Equal(["d/x", "k"], snapshot.Keys);
        Assert.Equal("16877", snapshot["d/x"].Metadata["mode"]);
        Assert.Equal("application/x-directory", snapshot["d/x"].ContentType);
        Assert.Equal([1, 2, 3], snapshot["k"].Content.ToArray());
    }
}
