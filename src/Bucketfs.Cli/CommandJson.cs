using System.Text.Json.Serialization;
using Bucketfs.Cli.Mount;
using Bucketfs.Cli.Operations;

namespace Bucketfs.Cli;

/// <summary>
/// The JSON a daemon hands other bucketfs commands (its mount record, its control socket's answers),
/// generated at build time so that a trimmed, natively compiled bucketfs needs no reflection for it.
/// </summary>
[JsonSerializable(typeof(MountRecord))]
[JsonSerializable(typeof(MountStatus))]
[JsonSerializable(typeof(ControlError))]
internal sealed partial class CommandJson : JsonSerializerContext;

/// <summary>The control socket's answer to a request it does not know.</summary>
internal sealed record ControlError([property: JsonPropertyName("error")] string Error);
