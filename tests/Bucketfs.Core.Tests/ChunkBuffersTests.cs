using Bucketfs.Core.Read;

namespace Bucketfs.Core.Tests;

public sealed class ChunkBuffersTests
{
    [Fact]
    public void ABufferIsReusedForTheSameSizeClass()
    {
        var buffers = new ChunkBuffers(16 << 20);
        var first = buffers.Rent(3 << 20);
        Assert.Equal(4 << 20, first.Length);
        buffers.Return(first);
        Assert.Same(first, buffers.Rent((3 << 20) + 1));
    }

    [Fact]
    public void IdleBuffersAreKeptOnlyUpToTheLimit()
    {
        var buffers = new ChunkBuffers(8 << 20);
        var rented = Enumerable.Range(0, 4).Select(_ => buffers.Rent(4 << 20)).ToList();
        foreach (var buffer in rented) buffers.Return(buffer);

        var again = Enumerable.Range(0, 4).Select(_ => buffers.Rent(4 << 20)).ToList();
        Assert.Equal(2, again.Count(b => rented.Contains(b)));
    }
}
