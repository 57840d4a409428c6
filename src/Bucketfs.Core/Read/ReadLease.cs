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
