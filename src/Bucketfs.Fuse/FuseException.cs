namespace Bucketfs.Fuse;

/// <summary>Thrown by a filesystem to answer the current request with an errno.</summary>
public sealed class FuseException(int errno, string? message = null) : Exception(message ?? $"errno {errno}")
{
    public int Errno { get; } = errno;
}
