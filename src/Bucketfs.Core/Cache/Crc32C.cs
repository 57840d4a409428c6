using System.Numerics;
using System.Runtime.InteropServices;

namespace Bucketfs.Core.Cache;

/// <summary>CRC-32C (Castagnoli) of a block, on the CPU's CRC instruction eight bytes at a time.</summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong word in words) crc = BitOperations.Crc32C(crc, word);
        foreach (byte b in data[(words.Length * sizeof(ulong))..]) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
