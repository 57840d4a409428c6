using System.Text;

namespace Bucketfs.Integration.Tests;

public sealed partial class HttpFaultProxy
{
    /// <summary>A start line and header fields, kept in their order and spelling.</summary>
    private sealed class Head(string startLine, List<(string Name, string Value)> fields)
    {
        public string StartLine => startLine;

        /// <summary>The status code, for a response.</summary>
        public int Status => int.TryParse(startLine.Split(' ', 3)[1], out int status) ? status : throw new IOException($"not a status line: {startLine}");

        public string? this[string name] => fields.Where(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value).FirstOrDefault();

        /// <summary>The header fields by lower-case name (the last of a repeated one).</summary>
        public Dictionary<string, string> Fields()
        {
            var all = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in fields) all[name.ToLowerInvariant()] = value;
            return all;
        }

        /// <summary>Whether a comma-separated header (Connection, Transfer-Encoding, Expect) lists the token.</summary>
        public bool Lists(string name, string token) => fields.Any(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)
            && f.Value.Split(',').Any(t => t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase)));

        /// <summary>A copy with the header set to the value, or removed when null.</summary>
        public Head With(string name, string? value) =>
            new(startLine, [.. fields.Where(f => !f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)), .. value == null ? [] : new[] { (name, value) }]);

        public byte[] ToBytes()
        {
            var text = new StringBuilder(startLine).Append("\r\n");
            foreach (var (name, value) in fields) text.Append(name).Append(": ").Append(value).Append("\r\n");
            return Encoding.Latin1.GetBytes(text.Append("\r\n").ToString());
        }

        /// <summary>The next message's head, or null when the peer closed between messages.</summary>
        public static async Task<Head?> ReadAsync(HttpReader from, CancellationToken token)
        {
            string? start;
            // Empty lines before a message are allowed (RFC 9112 2.2).
            do start = await from.ReadLineAsync(token);
            while (start == "");
            if (start == null) return null;
            var fields = new List<(string, string)>();
            int size = start.Length;
            while (true)
            {
                string line = await from.ReadLineAsync(token) ?? throw new EndOfStreamException();
                if (line.Length == 0) return new Head(start, fields);
                size += line.Length;
                int colon = line.IndexOf(':');
                if (colon <= 0 || size > HeadLimit) throw new IOException($"bad header: {line}");
                fields.Add((line[..colon], line[(colon + 1)..].Trim()));
            }
        }
    }
}
