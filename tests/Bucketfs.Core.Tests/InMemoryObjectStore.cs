using System.Collections.Concurrent;
using Bucketfs.ObjectStore;

namespace Bucketfs.Core.Tests;

/// <summary>An object store in a sorted dictionary, for unit tests of logic; it counts the requests it gets.</summary>
internal sealed class InMemoryObjectStore : IObjectStore
{
    private readonly SortedDictionary<string, (byte[] Content, string ETag)> _objects = new(StringComparer.Ordinal);
    private int _version;

    public string Description => "memory";
    public int Lists, Heads, Reads, WholeReads;
    public ConcurrentQueue<(long Offset, int Length)> ReadRanges { get; } = new();

    /// <summary>Listings and HEADs wait for this, so a test can have several in flight at once.</summary>
    public Task Hold { get; set; } = Task.CompletedTask;

    public void Put(string key, byte[] content)
    {
        lock (_objects) _objects[key] = (content, $"\"v{++_version}\"");
    }

    public void Remove(string key)
    {
        lock (_objects) _objects.Remove(key);
    }

    public async Task<ListPage> ListAsync(string prefix, string? delimiter, string? continuation, int maxKeys, CancellationToken cancellation)
    {
        Interlocked.Increment(ref Lists);
        await Hold;
        lock (_objects)
        {
            var objects = new List<ObjectInfo>();
            var prefixes = new List<string>();
            string? last = null;
            foreach (var (key, value) in _objects)
            {
                if (!key.StartsWith(prefix, StringComparison.Ordinal) || continuation != null && string.CompareOrdinal(key, continuation) <= 0) continue;
                int cut = delimiter is null ? -1 : key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (objects.Count + prefixes.Count == maxKeys) return new ListPage(objects, prefixes, last);
                if (cut >= 0)
                {
                    string common = key[..(cut + 1)];
                    if (prefixes.Count == 0 || prefixes[^1] != common) prefixes.Add(common);
                    // Resume after every key of this common prefix.
                    last = common + "\uffff";
                }
                else
                {
                    objects.Add(new ObjectInfo(key, value.Content.Length, value.ETag, DateTimeOffset.UnixEpoch));
                    last = key;
                }
            }
            return new ListPage(objects, prefixes, null);
        }
    }

    public async Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellation)
    {
        Interlocked.Increment(ref Heads);
        await Hold;
        lock (_objects)
            return _objects.TryGetValue(key, out var o) ? new ObjectInfo(key, o.Content.Length, o.ETag, DateTimeOffset.UnixEpoch) : null;
    }

    public async Task<int> ReadAsync(string key, long offset, Memory<byte> destination, string? ifMatch, CancellationToken cancellation)
    {
        Interlocked.Increment(ref Reads);
        ReadRanges.Enqueue((offset, destination.Length));
        await Task.Yield();
        byte[] content;
        lock (_objects)
        {
            if (!_objects.TryGetValue(key, out var o)) throw new ObjectStoreException(StoreError.NotFound, key);
            if (ifMatch != null && ifMatch != o.ETag) throw new ObjectStoreException(StoreError.PreconditionFailed, $"{key} changed");
            content = o.Content;
        }
        int n = (int)Math.Clamp(content.Length - offset, 0, destination.Length);
        content.AsSpan((int)offset, n).CopyTo(destination.Span);
        return n;
    }

    public Task<int> ReadWholeAsync(string key, Memory<byte> destination, string ifMatch, CancellationToken cancellation)
    {
        Interlocked.Increment(ref WholeReads);
        return ReadAsync(key, 0, destination, ifMatch, cancellation);
    }

    public Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, ObjectAttributes attributes, CancellationToken cancellation) => throw new NotSupportedException();
    public Task<string> CopyAsync(string sourceKey, string destinationKey, ObjectAttributes? attributes, string? ifMatch, CancellationToken cancellation) => throw new NotSupportedException();
    public Task DeleteAsync(string key, CancellationToken cancellation) => throw new NotSupportedException();
    public Task<string> StartUploadAsync(string key, ObjectAttributes attributes, CancellationToken cancellation) => throw new NotSupportedException();
    public Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellation) => throw new NotSupportedException();
    public Task<UploadedPart> CopyPartAsync(string key, string uploadId, int partNumber, string sourceKey, long offset, long length, string? ifMatch, CancellationToken cancellation) => throw new NotSupportedException();
    public Task<string> CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellation) => throw new NotSupportedException();
    public Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellation) => throw new NotSupportedException();
}
