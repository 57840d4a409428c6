using Bucketfs.Core.Cache;

namespace Bucketfs.Core.Tests.Cache;

public sealed class Crc32CTests
{
    [Fact]
    public void MatchesTheStandardCheckValue() => Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Fact]
    public void MatchesABitwiseReferenceForEveryTailLength()
    {
        var data = CacheDirectory.Content(100, seed: 1);
        for (int length = 0; length <= data.Length; length++)
            Assert.Equal(Reference(data.AsSpan(0, length)), Crc32C.Compute(data.AsSpan(0, length)));
    }

    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }
}
