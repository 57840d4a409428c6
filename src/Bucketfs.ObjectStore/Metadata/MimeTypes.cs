namespace Bucketfs.ObjectStore.Metadata;

/// <summary>
/// The Content-Type a new object gets from its name, as s3fs chooses it: the type of the last
/// extension in /etc/mime.types (Debian's media-types), else of the one before it (x.json.gz),
/// else application/octet-stream. .NET has no public map of its own; a few common data types are
/// built in for a system without the file. Extensions match ignoring case.
/// </summary>
public static class MimeTypes
{
    public const string Default = "application/octet-stream";
    // Each file is read once per process: a mount names one.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> Loaded = new(StringComparer.Ordinal);

    private static readonly Dictionary<string, string> BuiltIn = new(StringComparer.OrdinalIgnoreCase)
    {
        ["txt"] = "text/plain", ["csv"] = "text/csv", ["tsv"] = "text/tab-separated-values", ["html"] = "text/html", ["htm"] = "text/html",
        ["css"] = "text/css", ["xml"] = "application/xml", ["json"] = "application/json", ["js"] = "text/javascript",
        ["pdf"] = "application/pdf", ["zip"] = "application/zip", ["gz"] = "application/gzip", ["tar"] = "application/x-tar",
        ["jpg"] = "image/jpeg", ["jpeg"] = "image/jpeg", ["png"] = "image/png", ["gif"] = "image/gif", ["svg"] = "image/svg+xml",
        ["webp"] = "image/webp", ["tif"] = "image/tiff", ["tiff"] = "image/tiff", ["mp4"] = "video/mp4", ["mp3"] = "audio/mpeg",
        ["parquet"] = "application/vnd.apache.parquet",
    };

    /// <summary>The map of a mime.types file (FilesystemOptions.MimeTypesFile) over the built-in one.</summary>
    public static IReadOnlyDictionary<string, string> Of(string file) => Loaded.GetOrAdd(file, Load);

    /// <summary>The type of <paramref name="key"/> by the system's mime.types (what copy and sync use).</summary>
    public static string For(string key) => For(key, Of("/etc/mime.types"));

    public static string For(string key, IReadOnlyDictionary<string, string> map)
    {
        string name = key[(key.LastIndexOf('/') + 1)..];
        int last = name.LastIndexOf('.');
        if (last < 0) return Default;
        if (map.TryGetValue(name[(last + 1)..], out var type)) return type;
        string stem = name[..last];
        int previous = stem.LastIndexOf('.');
        return previous >= 0 && map.TryGetValue(stem[(previous + 1)..], out type) ? type : Default;
    }

    /// <summary>The system's map over the built-in one; the built-in one alone when the file cannot be read.</summary>
    public static IReadOnlyDictionary<string, string> Load(string path)
    {
        var map = new Dictionary<string, string>(BuiltIn, StringComparer.OrdinalIgnoreCase);
        try
        {
            foreach (string line in File.ReadLines(path)) AddLine(map, line);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return map;
    }

    /// <summary>A mime.types line: a type, then its extensions, separated by blanks; # starts a comment.</summary>
    private static void AddLine(Dictionary<string, string> map, string line)
    {
        int hash = line.IndexOf('#');
        var fields = (hash < 0 ? line : line[..hash]).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        for (int i = 1; i < fields.Length; i++) map[fields[i]] = fields[0];
    }
}
