namespace Bucketfs.Core.Cache;

/// <summary>
/// Where an object's files are: objects/&lt;first two hex digits&gt;/&lt;id&gt;.data and .blocks, so
/// no folder grows past a few thousand entries for a million objects.
/// </summary>
internal static class CacheLayout
{
    public const string DataExtension = ".data";
    public const string BlocksExtension = ".blocks";

    public static string Objects(string root) => Path.Combine(root, "objects");

    /// <summary>Stored directory listings (with --metadata-ttl indefinite), one folder per bucket and prefix.</summary>
    public static string Listings(string root) => Path.Combine(root, "listings");

    public static string Folder(string root, ObjectId id) => Path.Combine(Objects(root), id.ToString()[..2]);

    public static string DataPath(string root, ObjectId id) => Path.Combine(Folder(root, id), id + DataExtension);

    public static string BlocksPath(string root, ObjectId id) => Path.Combine(Folder(root, id), id + BlocksExtension);

    /// <summary>
    /// Removes an object's files, the sidecar first: whoever opens the pair in between finds data
    /// without records, which reads as missing, rather than records without their data.
    /// </summary>
    public static void Delete(string root, ObjectId id)
    {
        File.Delete(BlocksPath(root, id));
        File.Delete(DataPath(root, id));
    }
}
