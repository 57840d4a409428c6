using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bucketfs.Bench.Compare;

/// <summary>What the seeded bucket holds; stored in the bucket as manifest.json, written last.</summary>
internal sealed record Manifest
{
    public int Version { get; init; } = 1;
    public long LargeBytes { get; init; }
    public string LargeSha256 { get; init; } = "";
    public int SmallCount { get; init; }
    public int SmallBytes { get; init; }
    public int MlCount { get; init; }
    public int MlBytes { get; init; }

    /// <summary>Every key: the large file, the manifest, the small files and the ML files.</summary>
    [JsonIgnore] public int ObjectCount => 2 + SmallCount + MlCount;

    /// <summary>What `find MNT` prints: the root, small/, ml/, the class folders and every object.</summary>
    [JsonIgnore] public int FindEntries => 1 + 2 + Math.Min(MlCount, Layout.MlClasses) + ObjectCount;

    /// <summary>What a sequential read takes of the large file: all of it, or the first --max-mib MiB.</summary>
    public long SequentialBytes(Args args) => Math.Min(LargeBytes, (long)args.Int("max-mib", (int)((LargeBytes + (1 << 20) - 1) >> 20)) << 20);

    public bool SameLayout(Manifest other) =>
        Version == other.Version && LargeBytes == other.LargeBytes && SmallCount == other.SmallCount &&
        SmallBytes == other.SmallBytes && MlCount == other.MlCount && MlBytes == other.MlBytes;

    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static Manifest Parse(string json) => JsonSerializer.Deserialize<Manifest>(json, Json) ?? throw new InvalidDataException("empty manifest");

    public static Manifest Load(string path) => Parse(File.ReadAllText(path));
}
