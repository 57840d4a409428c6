using System.Text;
using System.Text.Json;

namespace Bucketfs.Bench.LatencyProxy;

/// <summary>
/// Requests by type, from the first bytes of each request (peeked, so they are still spliced
/// unread): GET, HEAD, PUT, POST, DELETE, and LIST for a GET of a bucket (path style: `/BUCKET` or
/// `/BUCKET/` with a query) or with a list-type, prefix or delimiter parameter. Bytes that do not
/// start with a method (a body sent before the answer) are not a request.
/// </summary>
internal sealed class RequestCounts
{
    private static readonly string[] Types = ["GET", "HEAD", "LIST", "PUT", "POST", "DELETE"];
    private readonly long[] _counts = new long[Types.Length];

    /// <summary>Counts the request whose first bytes are start.</summary>
    public void Count(ReadOnlySpan<byte> start)
    {
        string line = Encoding.ASCII.GetString(start[..Math.Min(start.Length, 512)]);
        int space = line.IndexOf(' ');
        if (space <= 0) return;
        int type = Array.IndexOf(Types, line[..space]);
        if (type < 0) return;
        if (type == 0 && IsList(line[(space + 1)..])) type = 2;
        Interlocked.Increment(ref _counts[type]);
    }

    private static bool IsList(string rest)
    {
        int end = rest.IndexOf(' ');
        string target = end < 0 ? rest : rest[..end];
        int q = target.IndexOf('?');
        string path = q < 0 ? target : target[..q], query = q < 0 ? "" : target[(q + 1)..];
        bool bucketOnly = path.TrimEnd('/').LastIndexOf('/') == 0;
        return query.Contains("list-type=", StringComparison.Ordinal) || query.Contains("prefix=", StringComparison.Ordinal) ||
            query.Contains("delimiter=", StringComparison.Ordinal) || (bucketOnly && query.Length > 0);
    }

    /// <summary>Writes the counts so far as one JSON object to path (through a temporary file, so a reader never sees half of it).</summary>
    public void WriteTo(string path)
    {
        var counts = new Dictionary<string, long>();
        for (int i = 0; i < Types.Length; i++) counts[Types[i]] = Interlocked.Read(ref _counts[i]);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(counts) + "\n");
        File.Move(temporary, path, overwrite: true);
    }
}
