using System.Text.Json.Serialization;

namespace Bucketfs.Core.Write;

/// <summary>
/// The staged-file manifest's JSON, generated at build time so that a trimmed, natively compiled
/// bucketfs reads and writes it without reflection; the form on disk is the one reflection wrote.
/// </summary>
[JsonSerializable(typeof(StagedManifest))]
internal sealed partial class StagedManifestJson : JsonSerializerContext;
