using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Cache;

/// <summary>An object found in a cache directory: its present blocks' bytes, and its sidecar's mtime as last use.</summary>
internal sealed record ScannedObject(ObjectId Id, long Size, long Bytes, DateTime LastUse);

/// <summary>Reads what a cache directory holds from the sidecars alone, without checking any data.</summary>
internal static class CacheScan
{
    // A sidecar this young without a whole header may be one another mount is creating right now.
    private static readonly TimeSpan CreationGrace = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Every object with a readable sidecar. With <paramref name="tidy"/>, also removes what a
    /// crash or an interrupted eviction left behind: data without a sidecar, and sidecars that are
    /// not whole or do not belong to their name.
    /// </summary>
    public static List<ScannedObject> Run(string root, bool tidy, ILogger log)
    {
        var found = new List<ScannedObject>();
        var objects = new DirectoryInfo(CacheLayout.Objects(root));
        if (!objects.Exists) return found;
        foreach (var folder in objects.EnumerateDirectories())
        {
            foreach (var file in folder.EnumerateFiles())
            {
                if (!ObjectId.TryParse(Path.GetFileNameWithoutExtension(file.Name), out var id)) continue;
                try
                {
                    if (file.Extension == CacheLayout.BlocksExtension)
                    {
                        if (Read(file, id) is { } scanned) found.Add(scanned);
                        else if (tidy && DateTime.UtcNow - file.LastWriteTimeUtc > CreationGrace) CacheLayout.Delete(root, id);
                    }
                    else if (file.Extension == CacheLayout.DataExtension && tidy && !File.Exists(CacheLayout.BlocksPath(root, id)))
                    {
                        file.Delete();
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Evicted by another mount while being read, most likely.
                    log.LogDebug("Skipping {Path} in the data cache: {Message}", file.FullName, e.Message);
                }
            }
        }
        return found;
    }

    private static ScannedObject? Read(FileInfo file, ObjectId id)
    {
        using var blocks = File.OpenHandle(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var header = BlockSidecar.TryRead(blocks);
        if (header is null || ObjectId.Of(header.Bucket, header.Key, header.ETag) != id) return null;
        long bytes = BlockSidecar.ReadPresent(blocks, header.Length, header.Geometry, present: null);
        return new ScannedObject(id, header.Geometry.Size, bytes, file.LastWriteTimeUtc);
    }
}
