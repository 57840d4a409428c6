namespace Bucketfs.Core.Cache;

/// <summary>
/// What a cache directory holds. <see cref="BytesUsed"/> counts cached blocks, not the sparse
/// files' lengths. <see cref="MaxBytes"/> is null when read from the directory alone, without the
/// options of a running cache.
/// </summary>
public sealed record DataCacheStatus(string Directory, int Objects, int CompleteObjects, long BytesUsed, long? MaxBytes);
