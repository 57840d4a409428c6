using System.Runtime.CompilerServices;

namespace Bucketfs.ObjectStore;

/// <summary>Every object under a prefix, page by page, in the store's (sorted) listing order.</summary>
public static class StoreListing
{
    public const int PageSize = 1000;

    /// <summary>All keys under <paramref name="prefix"/> without a delimiter; one page in memory at a time.</summary>
    public static async IAsyncEnumerable<ObjectInfo> AllAsync(this IObjectStore store, string prefix, [EnumeratorCancellation] CancellationToken cancellation)
    {
        string? continuation = null;
        do
        {
            var page = await store.ListAsync(prefix, null, continuation, PageSize, cancellation).ConfigureAwait(false);
            foreach (var item in page.Objects) yield return item;
            continuation = page.Continuation;
        }
        while (continuation != null);
    }
}
