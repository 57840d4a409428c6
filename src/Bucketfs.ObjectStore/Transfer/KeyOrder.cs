namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// The order S3 listings come in: by the UTF-8 bytes of the key, which is code point order. .NET's
/// ordinal order compares UTF-16 units and puts U+E000..U+FFFF after characters beyond U+FFFF;
/// this comparer puts them where the store does, so two listings can be merged in one pass.
/// </summary>
public sealed class KeyOrder : IComparer<string>
{
    public static readonly KeyOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int length = Math.Min(x.Length, y.Length);
        for (int i = 0; i < length; i++)
        {
            char a = x[i], b = y[i];
            if (a == b) continue;
            // Surrogates (D800-DFFF) stand for code points above FFFF: they sort after E000-FFFF.
            if (a >= 0xD800 && b >= 0xD800) return Weight(a).CompareTo(Weight(b));
            return a.CompareTo(b);
        }
        return x.Length.CompareTo(y.Length);
    }

    private static int Weight(char c) => char.IsSurrogate(c) ? c + 0x10000 : c;
}
