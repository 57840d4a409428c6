using System.Text;
using Bucketfs.ObjectStore;

namespace Bucketfs.Testing;

public sealed partial class MemoryObjectStore
{
    /// <summary>S3 and radosgw never return more than this many entries in a page, whatever is asked.</summary>
    private const int MaxListKeys = 1000;

    /// <summary>
    /// ListObjectsV2: keys and common prefixes count together toward <paramref name="maxKeys"/>,
    /// the continuation resumes after the last entry returned (after every key of a common prefix),
    /// and listed objects carry no metadata.
    /// </summary>
    public async Task<ListPage> ListAsync(string prefix, string? delimiter, string? continuation, int maxKeys, CancellationToken cancellation)
    {
        var (after, afterIsPrefix) = continuation is null ? ("", false) : Resume(continuation);
        return await ListAsync(prefix, delimiter, continuation != null, after, afterIsPrefix, maxKeys, cancellation).ConfigureAwait(false);
    }

    /// <summary>ListObjectsV2's start-after: the keys after one that need not exist.</summary>
    public Task<ListPage> ListAfterAsync(string prefix, string? delimiter, string startAfter, int maxKeys, CancellationToken cancellation) =>
        ListAsync(prefix, delimiter, startAfter.Length > 0, startAfter, false, maxKeys, cancellation);

    private async Task<ListPage> ListAsync(string prefix, string? delimiter, bool resuming, string after, bool afterIsPrefix, int maxKeys, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxKeys);
        await Enter(StoreOperation.List, cancellation).ConfigureAwait(false);
        if (string.IsNullOrEmpty(delimiter)) delimiter = null;
        int limit = Math.Min(maxKeys, MaxListKeys);
        // S3 answers max-keys=0 with an empty page that is not truncated.
        if (limit == 0) return new ListPage([], [], null);
        var objects = new List<ObjectInfo>();
        var prefixes = new List<string>();
        lock (_lock)
        {
            var keys = _objects.Keys;
            int i = FirstAtOrAfter(keys, string.CompareOrdinal(after, prefix) > 0 ? after : prefix);
            while (i < keys.Count && resuming && (afterIsPrefix ? keys[i].StartsWith(after, StringComparison.Ordinal) : keys[i] == after)) i++;
            for (; i < keys.Count && keys[i].StartsWith(prefix, StringComparison.Ordinal); )
            {
                if (objects.Count + prefixes.Count == limit)
                    return new ListPage(objects, prefixes, Token(after, afterIsPrefix));
                string key = keys[i];
                int cut = delimiter is null ? -1 : key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (cut < 0)
                {
                    var stored = _objects.Values[i];
                    objects.Add(new ObjectInfo(key, stored.Content.Length, stored.ETag, stored.LastModified));
                    (after, afterIsPrefix) = (key, false);
                    i++;
                    continue;
                }
                string common = key[..(cut + delimiter!.Length)];
                prefixes.Add(common);
                (after, afterIsPrefix) = (common, true);
                while (i < keys.Count && keys[i].StartsWith(common, StringComparison.Ordinal)) i++;
            }
        }
        return new ListPage(objects, prefixes, null);
    }

    private static int FirstAtOrAfter(IList<string> sorted, string key)
    {
        int low = 0, high = sorted.Count;
        while (low < high)
        {
            int middle = (low + high) / 2;
            if (string.CompareOrdinal(sorted[middle], key) < 0) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    /// <summary>Opaque like S3's: the last entry returned and whether it was a common prefix.</summary>
    private static string Token(string after, bool isPrefix) => Convert.ToBase64String(Encoding.UTF8.GetBytes((isPrefix ? "p" : "k") + after));

    /// <summary>A token this store did not give is refused, as S3 refuses it (InvalidArgument, 400).</summary>
    private static (string After, bool IsPrefix) Resume(string token)
    {
        var bytes = new byte[token.Length];
        if (!Convert.TryFromBase64String(token, bytes, out int length) || length == 0 || bytes[0] is not ((byte)'p' or (byte)'k'))
            throw new ObjectStoreException(StoreError.Rejected, $"invalid continuation token {token}");
        return (Encoding.UTF8.GetString(bytes, 1, length - 1), bytes[0] == 'p');
    }
}
