using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Metadata;

/// <summary>
/// Complete directory listings kept on disk beside the data cache. Only used with
/// --metadata-ttl indefinite, where the user declares the bucket unchanging: a listing stays true,
/// so a later mount answers readdir and lookups in that directory without asking the store. A
/// change made through this mount drops the listings it touches. Files are replaced atomically,
/// so a crash leaves the old listing or none.
/// </summary>
internal sealed partial class ListingStore(string root, string bucket, ILogger log)
{
    // One folder per bucket and prefix, so mounts of different places share the root safely.
    private readonly string directory = Path.Combine(root, Hash(bucket));
    private const int MostDirectoriesInMemory = 1024;
    private readonly Lock _lock = new();
    // A directory without a stored listing is remembered as null, so it is not looked for again.
    private readonly Dictionary<string, Dictionary<string, EntryAttributes>?> _loaded = new(StringComparer.Ordinal);

    private sealed record StoredEntry(string Name, EntryKind Kind, long Size, string ETag, long MtimeMs);

    /// <summary>Generated at build time, so a natively compiled bucketfs needs no reflection for it.</summary>
    [JsonSerializable(typeof(StoredEntry[]))]
    private sealed partial class StoredJson : JsonSerializerContext;

    /// <summary>The stored listing of <paramref name="prefix"/> in listing order, or null.</summary>
    public List<(string Name, EntryAttributes Attributes)>? Load(string prefix)
    {
        string path = PathOf(prefix);
        try
        {
            var stored = JsonSerializer.Deserialize(File.ReadAllBytes(path), StoredJson.Default.StoredEntryArray);
            if (stored is null) return null;
            return stored.Select(e => (e.Name, new EntryAttributes(e.Kind, e.Size, e.ETag, DateTimeOffset.FromUnixTimeMilliseconds(e.MtimeMs)))).ToList();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            log.IgnoringStoredListing(path, e.Message);
            return null;
        }
    }

    /// <summary>What the stored listing of <paramref name="prefix"/> says about <paramref name="name"/>: false when there is none.</summary>
    public bool TryFind(string prefix, string name, out EntryAttributes? attributes)
    {
        attributes = null;
        Dictionary<string, EntryAttributes>? entries;
        bool known;
        lock (_lock) known = _loaded.TryGetValue(prefix, out entries);
        if (!known)
        {
            entries = Load(prefix)?.ToDictionary(e => e.Name, e => e.Attributes, StringComparer.Ordinal);
            lock (_lock)
            {
                if (_loaded.Count >= MostDirectoriesInMemory) _loaded.Clear();
                _loaded[prefix] = entries;
            }
        }
        if (entries is null) return false;
        attributes = entries.GetValueOrDefault(name);
        return true;
    }

    public void Save(string prefix, List<(string Name, EntryAttributes Attributes)> entries)
    {
        string path = PathOf(prefix);
        string temporary = path + ".tmp-" + Environment.ProcessId;
        try
        {
            Directory.CreateDirectory(directory);
            var stored = entries.Select(e => new StoredEntry(e.Name, e.Attributes.Kind, e.Attributes.Size, e.Attributes.ETag, e.Attributes.Mtime.ToUnixTimeMilliseconds())).ToArray();
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(stored, StoredJson.Default.StoredEntryArray));
            File.Move(temporary, path, overwrite: true);
            lock (_lock) _loaded.Remove(prefix);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.ListingNotStored(prefix, e.Message);
            File.Delete(temporary);
        }
    }

    /// <summary>The directory changed through this mount: its stored listing is no longer true.</summary>
    public void Forget(string prefix)
    {
        lock (_lock) _loaded.Remove(prefix);
        File.Delete(PathOf(prefix));
    }

    /// <summary>A directory renamed: listings below it name old paths, and are not indexed by prefix, so all go.</summary>
    public void ForgetAll()
    {
        lock (_lock) _loaded.Clear();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private string PathOf(string prefix) => Path.Combine(directory, Hash(prefix) + ".json");

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
}
