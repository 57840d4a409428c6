using System.Text.Json;

namespace Bucketfs.Core.Write;

/// <summary>A staged file that was not uploaded, as `bucketfs recover` shows it.</summary>
public sealed record KeptFile(string Id, string Why, string Store, string Key, long Size, DateTimeOffset Staged, string DataPath);

/// <summary>
/// What staging folders hold besides files being written: copies recovery kept aside (never
/// closed, or changed in the bucket meanwhile) and closed files whose upload is still pending.
/// The user decides about the kept ones: save a copy, have the next mount upload it, or discard it.
/// </summary>
public static class KeptFiles
{
    public const string Pending = "pending upload";
    public const string NeverClosed = "never closed";
    public const string Changed = "changed in the bucket";

    /// <summary>Every kept or pending file under <paramref name="stagingRoot"/> (the staging folder of a --cache-dir).</summary>
    public static List<KeptFile> List(string stagingRoot)
    {
        var found = new List<KeptFile>();
        if (!Directory.Exists(stagingRoot)) return found;
        foreach (string place in Directory.EnumerateDirectories(stagingRoot))
        {
            found.AddRange(PendingIn(place));
            foreach (string folder in new[] { StagingRecovery.UnfinishedFolder, StagingRecovery.ConflictsFolder })
            {
                string directory = Path.Combine(place, folder);
                if (!Directory.Exists(directory)) continue;
                string why = folder == StagingRecovery.UnfinishedFolder ? NeverClosed : Changed;
                foreach (string manifest in Directory.EnumerateFiles(directory, "*.json"))
                    if (Read(manifest) is { } m) found.Add(Describe(manifest, m, why));
            }
        }
        return found;
    }

    /// <summary>Closed files of one mount's staging folder whose upload has not succeeded yet.</summary>
    public static List<KeptFile> PendingIn(string stagingDirectory)
    {
        var found = new List<KeptFile>();
        if (!Directory.Exists(stagingDirectory)) return found;
        foreach (string manifest in Directory.EnumerateFiles(stagingDirectory, "*.json"))
            if (Read(manifest) is { Dirty: true, Acknowledged: true } m) found.Add(Describe(manifest, m, Pending));
        return found;
    }

    /// <summary>Copies a kept file's data to <paramref name="destination"/>; only what is local (a file never read whole may lack parts of its old version).</summary>
    public static void Save(KeptFile file, string destination) => File.Copy(file.DataPath, destination, overwrite: false);

    /// <summary>
    /// Puts a kept file back for the next mount of its bucket to upload, over whatever the bucket
    /// has now. Refused when parts of it exist only in the version it was staged from.
    /// </summary>
    public static void Upload(KeptFile file)
    {
        string manifestPath = file.DataPath + ".json";
        var manifest = Read(manifestPath) ?? throw new InvalidDataException($"{manifestPath} is unreadable");
        bool whole = manifest.Present is [[0, var end]] && end == manifest.Size || manifest.Size == 0;
        if (manifest.BaseETag != null && !whole && file.Why != NeverClosed)
            throw new InvalidOperationException($"{file.Key}: only the changed parts are local, the rest was in a version the bucket no longer has; save it instead");
        manifest.Acknowledged = true;
        if (file.Why == Changed)
        {
            // Whole and local: nothing of the old version is needed, and the newer object is replaced.
            manifest.Overwrite = true;
            manifest.BaseETag = null;
        }
        string place = Path.GetDirectoryName(Path.GetDirectoryName(file.DataPath))!;
        string target = Path.Combine(place, Path.GetFileName(file.DataPath));
        File.WriteAllText(manifestPath, JsonSerializer.Serialize(manifest, StagedManifestJson.Default.StagedManifest));
        File.Move(file.DataPath, target);
        File.Move(manifestPath, target + ".json");
    }

    public static void Discard(KeptFile file)
    {
        File.Delete(file.DataPath);
        File.Delete(file.DataPath + ".json");
    }

    private static StagedManifest? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), StagedManifestJson.Default.StagedManifest);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static KeptFile Describe(string manifestPath, StagedManifest m, string why) =>
        new(Path.GetFileName(manifestPath)[..^".json".Length], why, m.Store, m.Key, m.Size, DateTimeOffset.FromUnixTimeSeconds(m.Started), manifestPath[..^".json".Length]);
}
