using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Write;

/// <summary>
/// Finishes what a previous mount of the same bucket left staged (the daemon was killed before
/// close() or fsync() could upload): each file goes up if its object is still the version it was
/// staged from; if the object changed meanwhile, the staged copy is moved aside and reported,
/// never written over the newer object.
/// </summary>
internal sealed class StagingRecovery(IObjectStore store, Uploader uploader, ILogger log)
{
    public const string AsideFolder = "conflicts";

    public async Task<(int Uploaded, int KeptAside)> RecoverAsync(string stagingDirectory, CancellationToken cancellation)
    {
        if (!Directory.Exists(stagingDirectory)) return (0, 0);
        int uploaded = 0, aside = 0;
        foreach (string manifestPath in Directory.EnumerateFiles(stagingDirectory, "*.json"))
        {
            StagedFile staged;
            try
            {
                staged = StagedFile.Reopen(manifestPath);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
            {
                log.LogWarning("Skipping staged file {Path} (in use by another mount, or unreadable): {Message}", manifestPath, e.Message);
                continue;
            }
            if (!staged.Dirty)
            {
                staged.Discard();
                continue;
            }
            var current = await store.HeadAsync(staged.Key, cancellation).ConfigureAwait(false);
            if (current?.ETag != staged.Manifest.BaseETag)
            {
                staged.Dispose();
                KeepAside(stagingDirectory, staged);
                aside++;
                continue;
            }
            try
            {
                await uploader.UploadAsync(staged, cancellation).ConfigureAwait(false);
                log.LogWarning("Uploaded {Key} ({Size} bytes), left staged by a previous mount that did not finish", staged.Key, staged.Size);
                staged.Discard();
                uploaded++;
            }
            catch (ObjectStoreException e)
            {
                staged.Dispose();
                log.LogError("Could not upload {Key} left staged by a previous mount: {Message}; it stays in {Path}", staged.Key, e.Message, staged.DataPath);
            }
        }
        return (uploaded, aside);
    }

    private void KeepAside(string stagingDirectory, StagedFile staged)
    {
        string folder = Path.Combine(stagingDirectory, AsideFolder);
        Directory.CreateDirectory(folder);
        string target = Path.Combine(folder, Path.GetFileName(staged.DataPath));
        File.Move(staged.DataPath, target);
        File.Move(staged.ManifestPath, target + ".json");
        log.LogError("{Key} changed in the bucket since a previous mount staged changes to it; those changes were not uploaded and are kept in {Path}", staged.Key, target);
    }
}
