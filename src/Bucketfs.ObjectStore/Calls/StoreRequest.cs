namespace Bucketfs.ObjectStore.Calls;

/// <summary>
/// What one store call asks for, for its metrics and its line in the debug log. Its bounds grow
/// with <see cref="BytesSent"/> (a body uploaded) and <see cref="BytesCopied"/> (a server-side copy).
/// </summary>
internal readonly record struct StoreRequest(string Operation, string Method, string Key, long Offset = -1, long Length = 0, long BytesSent = 0, long BytesCopied = 0)
{
    /// <summary>The byte range of a ranged read as its Range header names it, or nothing.</summary>
    public string Range => Offset < 0 || Length <= 0 ? "" : $" bytes={Offset}-{Offset + Length - 1}";
}
