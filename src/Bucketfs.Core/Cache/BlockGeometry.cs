namespace Bucketfs.Core.Cache;

/// <summary>How an object of <paramref name="Size"/> bytes divides into blocks; only the last may be short.</summary>
internal readonly record struct BlockGeometry(long Size, int BlockSize)
{
    public int BlockCount => checked((int)((Size + BlockSize - 1) / BlockSize));

    public long Start(int block) => (long)block * BlockSize;

    public int Length(int block) => (int)Math.Min(BlockSize, Size - Start(block));

    /// <summary>The block holding the byte at <paramref name="offset"/>.</summary>
    public int BlockAt(long offset) => (int)(offset / BlockSize);

    /// <summary>The first block that starts at or after <paramref name="offset"/>.</summary>
    public int BlockFrom(long offset) => (int)((offset + BlockSize - 1) / BlockSize);
}
