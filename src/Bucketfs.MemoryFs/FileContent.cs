namespace Bucketfs.MemoryFs;

/// <summary>
/// A file's bytes in 1 MiB chunks, allocated on first write, so files beyond 2 GiB fit and holes
/// cost nothing.
/// </summary>
internal sealed class FileContent
{
    private const int ChunkShift = 20;
    private const int ChunkSize = 1 << ChunkShift;
    private readonly List<byte[]?> _chunks = [];

    public long Length { get; private set; }

    public long AllocatedBytes => _chunks.Count(c => c != null) * (long)ChunkSize;

    public int Read(long offset, Span<byte> destination)
    {
        if (offset >= Length) return 0;
        int total = (int)Math.Min(destination.Length, Length - offset);
        int done = 0;
        while (done < total)
        {
            long position = offset + done;
            int index = (int)(position >> ChunkShift), within = (int)(position & (ChunkSize - 1));
            int n = Math.Min(total - done, ChunkSize - within);
            byte[]? chunk = index < _chunks.Count ? _chunks[index] : null;
            if (chunk is null) destination.Slice(done, n).Clear();
            else chunk.AsSpan(within, n).CopyTo(destination[done..]);
            done += n;
        }
        return total;
    }

    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        int done = 0;
        while (done < source.Length)
        {
            long position = offset + done;
            int index = (int)(position >> ChunkShift), within = (int)(position & (ChunkSize - 1));
            int n = Math.Min(source.Length - done, ChunkSize - within);
            while (_chunks.Count <= index) _chunks.Add(null);
            byte[] chunk = _chunks[index] ??= new byte[ChunkSize];
            source.Slice(done, n).CopyTo(chunk.AsSpan(within));
            done += n;
        }
        Length = Math.Max(Length, offset + source.Length);
    }

    public void SetLength(long length)
    {
        if (length < Length)
        {
            int keep = (int)((length + ChunkSize - 1) >> ChunkShift);
            if (_chunks.Count > keep) _chunks.RemoveRange(keep, _chunks.Count - keep);
            // Bytes past the new end inside the last chunk must read as zeros if the file grows again.
            int within = (int)(length & (ChunkSize - 1));
            if (within != 0 && keep - 1 < _chunks.Count && _chunks[keep - 1] is { } last) last.AsSpan(within).Clear();
        }
        Length = length;
    }
}
