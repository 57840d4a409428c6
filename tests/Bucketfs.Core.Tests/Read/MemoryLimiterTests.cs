using Bucketfs.Core.Read;

namespace Bucketfs.Core.Tests.Read;

public sealed class MemoryLimiterTests
{
    [Fact]
    public void EachAreaIsCountedApartUnderOneLimit()
    {
        var limiter = new MemoryLimiter(10);
        Assert.True(limiter.TryReserve(MemoryArea.Prefetch, 4));
        limiter.Reserve(MemoryArea.UploadParts, 5);

        Assert.False(limiter.TryReserve(MemoryArea.DirectoryPrefetch, 2));
        Assert.True(limiter.TryReserve(MemoryArea.FirstBytes, 1));
        Assert.Equal(4, limiter.UsedBy(MemoryArea.Prefetch));
        Assert.Equal(5, limiter.UsedBy(MemoryArea.UploadParts));
        Assert.Equal(1, limiter.UsedBy(MemoryArea.FirstBytes));
        Assert.Equal(0, limiter.UsedBy(MemoryArea.DirectoryPrefetch));
        Assert.Equal(10, limiter.Used);
    }

    [Fact]
    public void WhatAReaderWaitsForAndUploadPartsMayOverdraw()
    {
        var limiter = new MemoryLimiter(10);
        limiter.Reserve(MemoryArea.Prefetch, 8);
        limiter.Reserve(MemoryArea.UploadParts, 8);

        Assert.Equal(16, limiter.Used);
        Assert.False(limiter.TryReserve(MemoryArea.Prefetch, 1));
    }

    [Fact]
    public void MovedReservationChangesAreasNotTheTotal()
    {
        var limiter = new MemoryLimiter(10);
        Assert.True(limiter.TryReserve(MemoryArea.FirstBytes, 3));
        limiter.Move(3, MemoryArea.FirstBytes, MemoryArea.Prefetch);

        Assert.Equal(0, limiter.UsedBy(MemoryArea.FirstBytes));
        Assert.Equal(3, limiter.UsedBy(MemoryArea.Prefetch));
        Assert.Equal(3, limiter.Used);
        limiter.Release(MemoryArea.Prefetch, 3);
        Assert.Equal(0, limiter.Used);
    }

    [Fact]
    public async Task WaiterIsWokenByARelease()
    {
        var limiter = new MemoryLimiter(10);
        limiter.Reserve(MemoryArea.Prefetch, 8);

        var waiting = limiter.ReserveWhenFreeAsync(MemoryArea.DirectoryPrefetch, 5, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        limiter.Release(MemoryArea.Prefetch, 2);
        // Still not enough free: the waiter tries again and goes back to waiting.
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        limiter.Release(MemoryArea.Prefetch, 6);

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(5, limiter.UsedBy(MemoryArea.DirectoryPrefetch));
        Assert.Equal(5, limiter.Used);
    }

    [Fact]
    public async Task WaiterEndsWithItsCancellationHoldingNothing()
    {
        var limiter = new MemoryLimiter(10);
        limiter.Reserve(MemoryArea.UploadParts, 10);
        using var stop = new CancellationTokenSource();

        var waiting = limiter.ReserveWhenFreeAsync(MemoryArea.DirectoryPrefetch, 5, stop.Token);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, limiter.UsedBy(MemoryArea.DirectoryPrefetch));
        Assert.Equal(10, limiter.Used);
    }
}
