namespace Bucketfs.Core.Read;

/// <summary>What a share of the memory budget holds: each area's use is counted apart, under one limit over all.</summary>
internal enum MemoryArea
{
    /// <summary>Data fetched for open handles: a sequential reader's window and the bytes a read waits for.</summary>
    Prefetch,

    /// <summary>Small files fetched whole into the data cache ahead of their opens (DirectoryPrefetcher).</summary>
    DirectoryPrefetch,

    /// <summary>Bodies of small files fetched with their lookup, kept for the open that follows (FirstBytes).</summary>
    FirstBytes,

    /// <summary>Parts (or whole small files) on their way up to the store.</summary>
    UploadParts,
}
