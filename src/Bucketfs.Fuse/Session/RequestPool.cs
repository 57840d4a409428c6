using System.Collections.Concurrent;

namespace Bucketfs.Fuse.Session;

/// <summary>A bounded set of request objects with their native buffers; renting waits while all are in use.</summary>
internal sealed class RequestPool(FuseSession session, int capacity, int bufferSize) : IDisposable
{
    private readonly ConcurrentStack<FuseRequest> _free = new();
    private readonly ConcurrentBag<FuseRequest> _all = [];
    private readonly SemaphoreSlim _available = new(capacity, capacity);

    public FuseRequest Rent()
    {
        _available.Wait();
        if (_free.TryPop(out var request)) return request;
        request = new FuseRequest(session, bufferSize);
        _all.Add(request);
        return request;
    }

    public void Return(FuseRequest request)
    {
        _free.Push(request);
        _available.Release();
    }

    public void Dispose()
    {
        foreach (var request in _all) request.Dispose();
        _available.Dispose();
    }
}
