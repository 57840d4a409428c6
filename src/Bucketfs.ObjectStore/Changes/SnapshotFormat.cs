namespace Bucketfs.ObjectStore.Changes;

/// <summary>
/// A snapshot file: a header naming the location, then one record per object in listing order,
/// each key stored as the bytes it shares with the previous key and the rest (sorted keys share
/// long prefixes), size, Last-Modified in Unix seconds, and the ETag (16 bytes when it is an MD5),
/// then an end mark with the count. About 30 bytes an object for typical keys.
/// </summary>
internal static class SnapshotFormat
{
    public const string Magic = "bucketfs-snapshot";
    public const int Version = 1;
    public const byte EntryTag = 1;
    public const byte EndTag = 0;
    public const byte Md5ETag = 1;
    public const byte TextETag = 0;
}
