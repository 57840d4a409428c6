using Bucketfs.Core.Read;

namespace Bucketfs.Core.Write;

/// <summary>
/// Memory for a part (or a whole small file) on its way up, counted in the same budget as fetched
/// data, so reads hold back while uploads need memory. Uploads do not wait for the budget: their
/// own parallelism bounds them. An array of its own rather than a pooled one: the shared pool kept
/// 8 MiB parts alive after every large upload. It stays an array (not mapped memory, as reads use)
/// because the HTTP client may still read a request body after a timed-out attempt has returned.
/// </summary>
internal sealed class UploadBuffer : IDisposable
{
    private readonly MemoryLimiter _limiter;
    private readonly byte[] _array;

    private UploadBuffer(MemoryLimiter limiter, int length)
    {
        _limiter = limiter;
        _array = GC.AllocateUninitializedArray<byte>(length);
    }

    public Memory<byte> Memory => _array;

    public Span<byte> Span => _array;

    public static UploadBuffer Rent(MemoryLimiter limiter, int length)
    {
        limiter.Reserve(MemoryArea.UploadParts, length);
        return new UploadBuffer(limiter, length);
    }

    public void Dispose() => _limiter.Release(MemoryArea.UploadParts, _array.Length);
}
