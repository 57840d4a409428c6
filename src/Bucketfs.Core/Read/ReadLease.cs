namespace Bucketfs.Core.Read;

/// <summary>
/// The chunks covering one read, each held by a reference until the answer has been written,
/// so the answer can be sent straight from them.
/// </summary>
internal readonly struct ReadLease(List<Chunk> covering, long offset, int length) : IDisposable
{
    // The list itself, not an interface: a foreach over it allocates nothing.
    public List<Chunk> Chunks => covering;

    /// <summary>Every byte has arrived.</summary>
    public bool Ready
    {
        get
        {
            foreach (var chunk in covering)
                if (!chunk.Filled.IsCompletedSuccessfully) return false;
            return true;
        }
    }

    /// <summary>The data when one chunk holds all of it, the usual case: chunks are whole MiBs and reads fall inside them.</summary>
    public bool TrySingle(out ReadOnlySpan<byte> data)
    {
        data = default;
        if (length == 0) return true;
        if (covering.Count != 1) return false;
        data = covering[0].Data(offset, length);
        return true;
    }

    /// <summary>The data when two chunks hold it (a read across a chunk boundary), in order.</summary>
    public bool TryPair(out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        first = second = default;
        if (covering.Count != 2) return false;
        first = covering[0].Data(offset, length);
        if (offset + first.Length != covering[1].Start) return false;
        second = covering[1].Data(covering[1].Start, length - first.Length);
        return first.Length + second.Length == length;
    }

    /// <summary>Copies the data into <paramref name="destination"/> (at least the leased length); returns the bytes copied.</summary>
    public int CopyTo(Span<byte> destination)
    {
        int done = 0;
        foreach (var chunk in covering)
        {
            if (done == length) break;
            var data = chunk.Data(offset + done, length - done);
            data.CopyTo(destination[done..]);
            done += data.Length;
            if (offset + done < chunk.End) break;
        }
        return done;
    }

    public void Dispose()
    {
        foreach (var chunk in covering ?? []) chunk.Unref();
    }
}
