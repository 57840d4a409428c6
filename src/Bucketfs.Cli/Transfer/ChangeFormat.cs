using System.Text.Json;
using Bucketfs.ObjectStore.Changes;

namespace Bucketfs.Cli.Transfer;

/// <summary>How `changes` writes each change: a bare key, a status letter and the key, or a JSON object.</summary>
internal sealed class ChangeFormat
{
    private readonly string _name;
    private readonly char _end;

    private ChangeFormat(string name, char end)
    {
        _name = name;
        _end = end;
    }

    public static ChangeFormat Parse(string option, string? text, bool nul)
    {
        string name = text ?? "keys";
        return name is "keys" or "status" or "json"
            ? new ChangeFormat(name, nul ? '\0' : '\n')
            : throw new UsageException($"{option} '{text}': expected keys, status or json");
    }

    public void Write(TextWriter writer, ObjectChange change)
    {
        switch (_name)
        {
            case "keys": writer.Write(change.Object.Key); break;
            case "status": writer.Write($"{Letter(change.Kind)}\t{change.Object.Key}"); break;
            default: writer.Write(Json(change)); break;
        }
        writer.Write(_end);
    }

    private static char Letter(ChangeKind kind) => kind switch
    {
        ChangeKind.Added => 'A',
        ChangeKind.Changed => 'M',
        _ => 'D',
    };

    private static string Json(ObjectChange change)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("change", change.Kind.ToString().ToLowerInvariant());
            json.WriteString("key", change.Object.Key);
            json.WriteNumber("size", change.Object.Size);
            json.WriteString("etag", change.Object.ETag.Trim('"'));
            json.WriteString("lastModified", change.Object.LastModified);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
