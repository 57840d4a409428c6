using System.Text;

namespace Bucketfs.Integration.Tests;

public sealed partial class HttpFaultProxy
{
    /// <summary>Reads lines and body bytes from one stream through one bounded buffer.</summary>
    private sealed class HttpReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[Piece];
        private int _start;
        private int _end;

        /// <summary>A line without its CRLF; null at end of stream before any of it.</summary>
        public async Task<string?> ReadLineAsync(CancellationToken token)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (!await FillAsync(token))
                    return line.Length == 0 ? null : throw new EndOfStreamException();
                int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                int stop = newline < 0 ? _end : newline;
                line.Append(Encoding.Latin1.GetString(_buffer, _start, stop - _start));
                if (newline >= 0)
                {
                    _start = newline + 1;
                    return line.ToString().TrimEnd('\r');
                }
                _start = _end;
                if (line.Length > HeadLimit) throw new IOException("line too long");
            }
        }

        /// <summary>Up to max bytes, valid until the next read; empty at end of stream.</summary>
        public async Task<ReadOnlyMemory<byte>> ReadAsync(long max, CancellationToken token)
        {
            if (!await FillAsync(token)) return ReadOnlyMemory<byte>.Empty;
            int count = (int)Math.Min(max, _end - _start);
            _start += count;
            return _buffer.AsMemory(_start - count, count);
        }

        private async Task<bool> FillAsync(CancellationToken token)
        {
            if (_start < _end) return true;
            (_start, _end) = (0, await stream.ReadAsync(_buffer, token));
            return _end > 0;
        }
    }
}
