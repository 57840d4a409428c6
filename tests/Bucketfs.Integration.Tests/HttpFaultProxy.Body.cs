using System.Globalization;
using System.Text;

namespace Bucketfs.Integration.Tests;

public sealed partial class HttpFaultProxy
{
    private enum Framing { None, Length, Chunked, UntilClose }

    /// <summary>How a message's body is delimited (RFC 9112 6.3), and its length when announced.</summary>
    private readonly record struct Body(Framing Framing, long Length = 0)
    {
        public static Body OfRequest(Head request) =>
            request.Lists("Transfer-Encoding", "chunked") ? new(Framing.Chunked)
            : request["Content-Length"] is { } length ? new(Framing.Length, ParseLength(length))
            : new(Framing.None);

        public static Body OfResponse(string method, Head response) =>
            method == "HEAD" || response.Status is 204 or 304 ? new(Framing.None)
            : response.Lists("Transfer-Encoding", "chunked") ? new(Framing.Chunked)
            : response["Content-Length"] is { } length ? new(Framing.Length, ParseLength(length))
            : new(Framing.UntilClose);

        /// <summary>Passes the body on as it is framed.</summary>
        public Task CopyAsync(HttpReader from, Stream to, CancellationToken token) => Framing switch
        {
            Framing.Length => CopyExactAsync(from, to, Length, token),
            Framing.Chunked => CopyChunkedAsync(from, to, decode: false, long.MaxValue, token),
            Framing.UntilClose => CopyToEndAsync(from, to, long.MaxValue, token),
            _ => Task.CompletedTask,
        };

        /// <summary>The content of a chunked or close-delimited body, up to the limit.</summary>
        public async Task<byte[]> BufferAsync(HttpReader from, long limit, CancellationToken token)
        {
            var content = new MemoryStream();
            if (Framing == Framing.Chunked) await CopyChunkedAsync(from, content, decode: true, limit, token);
            else await CopyToEndAsync(from, content, limit, token);
            return content.ToArray();
        }

        public static async Task CopyExactAsync(HttpReader from, Stream to, long count, CancellationToken token)
        {
            while (count > 0)
            {
                var piece = await from.ReadAsync(count, token);
                if (piece.IsEmpty) throw new EndOfStreamException();
                await to.WriteAsync(piece, token);
                count -= piece.Length;
            }
        }

        private static async Task CopyToEndAsync(HttpReader from, Stream to, long limit, CancellationToken token)
        {
            for (long total = 0; ;)
            {
                var piece = await from.ReadAsync(Piece, token);
                if (piece.IsEmpty) return;
                if ((total += piece.Length) > limit) throw new IOException("body over the limit");
                await to.WriteAsync(piece, token);
            }
        }

        /// <summary>Copies a chunked body with its framing, or only its content when decoding.</summary>
        private static async Task CopyChunkedAsync(HttpReader from, Stream to, bool decode, long limit, CancellationToken token)
        {
            async Task Line(string line)
            {
                if (!decode) await to.WriteAsync(Encoding.Latin1.GetBytes(line + "\r\n"), token);
            }

            for (long total = 0; ;)
            {
                string sizeLine = await from.ReadLineAsync(token) ?? throw new EndOfStreamException();
                if (!long.TryParse(sizeLine.Split(';')[0].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long size) || size < 0)
                    throw new IOException($"bad chunk size: {sizeLine}");
                if ((total += size) > limit) throw new IOException("body over the limit");
                await Line(sizeLine);
                if (size == 0) break;
                await CopyExactAsync(from, to, size, token);
                if (await from.ReadLineAsync(token) != "") throw new IOException("chunk not followed by CRLF");
                await Line("");
            }
            // Trailer fields, up to the empty line that ends the body.
            string trailer;
            do
            {
                trailer = await from.ReadLineAsync(token) ?? throw new EndOfStreamException();
                await Line(trailer);
            }
            while (trailer.Length > 0);
        }

        private static long ParseLength(string value) =>
            long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long length) ? length : throw new IOException($"bad Content-Length: {value}");
    }
}
