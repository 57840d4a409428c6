using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Write;

/// <summary>
/// Settles what a previous mount of the same bucket left staged (the daemon was killed, or an
/// upload never succeeded). Multipart uploads it started and did not finish are aborted. A file
/// whose close() or fsync() had asked for its upload goes up, if its object is still the version
/// it was staged from; data no close() or fsync() covered is never uploaded: it is kept aside in
/// <see cref="UnfinishedFolder"/> for `bucketfs recover`, as is a file whose object changed meanwhile
/// (<see cref="ConflictsFolder"/>), never written over the newer object.
/// </summary>
internal sealed class StagingRecovery(IObjectStore store, Uploader uploader, ILogger log)
{
    public const string ConflictsFolder = "conflicts";
    public const string UnfinishedFolder = "unfinished";

    public async Task<RecoveryResult> RecoverAsync(string stagingDirectory, CancellationToken cancellation)
    {
        var result = new RecoveryResult();
        if (!Directory.Exists(stagingDirectory)) return result;
        foreach (string manifestPath in Directory.EnumerateFiles(stagingDirectory, "*.json"))
        {
            StagedFile staged;
            try
            {
                staged = StagedFile.Reopen(manifestPath);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
            {
                log.SkippingStaged(manifestPath, e.Message);
                continue;
            }
            await AbortUploadsAsync(staged, cancellation).ConfigureAwait(false);
            if (!staged.Dirty)
            {
                staged.Discard();
                continue;
            }
            if (!staged.Manifest.Acknowledged)
            {
                KeepAside(stagingDirectory, staged, UnfinishedFolder);
                log.KeptUnfinished(staged.Key, Path.Combine(stagingDirectory, UnfinishedFolder));
                result.Unfinished++;
                continue;
            }
            ObjectInfo? current;
            try
            {
                current = await store.HeadAsync(staged.Key, cancellation).ConfigureAwait(false);
            }
            catch (ObjectStoreException e)
            {
                staged.Dispose();
                log.RecoveryCheckFailed(staged.Key, e.Message, staged.DataPath);
                result.Failed++;
                continue;
            }
            if (current?.ETag != staged.Manifest.BaseETag && !staged.Manifest.Overwrite)
            {
                KeepAside(stagingDirectory, staged, ConflictsFolder);
                log.KeptConflict(staged.Key, Path.Combine(stagingDirectory, ConflictsFolder));
                result.Conflicts++;
                continue;
            }
            try
            {
                await uploader.UploadAsync(staged, cancellation).ConfigureAwait(false);
                log.RecoveredUpload(staged.Key, staged.Size);
                staged.Discard();
                result.Uploaded++;
            }
            catch (ObjectStoreException e)
            {
                staged.Dispose();
                log.RecoveredUploadFailed(staged.Key, e.Message, staged.DataPath);
                result.Failed++;
            }
        }
        return result;
    }

    /// <summary>A multipart upload left open holds its parts in the bucket (and keeps the bucket from being deleted).</summary>
    private async Task AbortUploadsAsync(StagedFile staged, CancellationToken cancellation)
    {
        foreach (var upload in staged.Manifest.Uploads.ToList())
        {
            try
            {
                await store.AbortUploadAsync(upload.Key, upload.UploadId, cancellation).ConfigureAwait(false);
                log.AbortedLeftUpload(upload.Key);
            }
            catch (ObjectStoreException e) when (e.Error == StoreError.NotFound)
            {
                // Already gone (completed or aborted before the manifest said so).
            }
            catch (ObjectStoreException e)
            {
                log.AbortLeftUploadFailed(upload.UploadId, upload.Key, e.Message);
                continue;
            }
            staged.UploadEnded(upload.UploadId);
        }
    }

    private static void KeepAside(string stagingDirectory, StagedFile staged, string folder)
    {
        staged.Dispose();
        string directory = Path.Combine(stagingDirectory, folder);
        Directory.CreateDirectory(directory);
        string target = Path.Combine(directory, Path.GetFileName(staged.DataPath));
        File.Move(staged.DataPath, target);
        File.Move(staged.ManifestPath, target + ".json");
    }
}

/// <summary>What recovery did with the files a previous mount left staged.</summary>
public sealed class RecoveryResult
{
    public int Uploaded;
    public int Conflicts;
    public int Unfinished;
    public int Failed;
}
