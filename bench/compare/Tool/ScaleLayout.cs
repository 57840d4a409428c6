using System.Text.Json;

namespace Bucketfs.Bench.Compare;

/// <summary>
/// The scale suite's bucket (bench/scale): N small objects per layout, `flat/f-NNNNNNN` all in one
/// folder and `tree/d-NNN/f-NNNNNNN` spread round 1,000 folders, each object's bytes a function of its
/// key (Content). scale-manifest.json, written last, records what is complete.
/// </summary>
internal sealed record ScaleLayout
{
    public const string ManifestKey = "scale-manifest.json";
    public const int TreeFolders = 1000;

    public int Version { get; init; } = 1;
    public int Objects { get; init; }
    public int Bytes { get; init; }
    public string[] Layouts { get; init; } = [];

    /// <summary>The layout's prefix; "all" is the whole bucket.</summary>
    public static string Prefix(string layout) => layout switch
    {
        "flat" or "tree" => layout + "/",
        "all" => "",
        _ => throw new ArgumentException($"unknown layout '{layout}' (flat, tree or all)"),
    };

    public static string Key(string layout, int i) =>
        layout == "flat" ? $"flat/f-{i:D7}" : $"tree/d-{i % TreeFolders:D3}/f-{i:D7}";

    /// <summary>Folders under the layout's prefix: none for flat, the 1,000 of tree (fewer when N is smaller).</summary>
    public int Folders(string layout) => layout == "flat" ? 0 : Math.Min(Objects, TreeFolders);

    /// <summary>The keys a flat listing of the layout returns: every object of every layout and the manifest for "all".</summary>
    public int Keys(string layout) => layout == "all" ? Objects * Layouts.Length + 1 : Objects;

    /// <summary>count distinct object numbers drawn with a fixed seed, in the order drawn (a shuffled sample).</summary>
    public int[] Sample(int count, int seed)
    {
        var all = Enumerable.Range(0, Objects).ToArray();
        new Random(seed).Shuffle(all);
        return all[..Math.Min(count, all.Length)];
    }

    public string ToJson() => JsonSerializer.Serialize(this, Manifest.Json);

    public static ScaleLayout Parse(string json) => JsonSerializer.Deserialize<ScaleLayout>(json, Manifest.Json) ?? throw new InvalidDataException("empty scale manifest");

    public static ScaleLayout Load(string path) => Parse(File.ReadAllText(path));
}
