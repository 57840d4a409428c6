namespace Bucketfs.Core.Cache;

/// <summary>One bit per block, set and cleared from any thread without a lock, with a count of set bits.</summary>
internal sealed class BlockBits(int count)
{
    private readonly ulong[] _words = new ulong[(count + 63) / 64];
    private int _set;

    public int Count => Volatile.Read(ref _set);

    public bool IsSet(int block) => (Volatile.Read(ref _words[block >> 6]) & (1UL << block)) != 0;

    /// <summary>Sets the bit; true when this call changed it.</summary>
    public bool Set(int block)
    {
        ulong bit = 1UL << block;
        if ((Interlocked.Or(ref _words[block >> 6], bit) & bit) != 0) return false;
        Interlocked.Increment(ref _set);
        return true;
    }

    /// <summary>Clears the bit; true when this call changed it.</summary>
    public bool Clear(int block)
    {
        ulong bit = 1UL << block;
        if ((Interlocked.And(ref _words[block >> 6], ~bit) & bit) == 0) return false;
        Interlocked.Decrement(ref _set);
        return true;
    }
}
