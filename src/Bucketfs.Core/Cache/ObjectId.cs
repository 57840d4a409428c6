using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Bucketfs.Core.Cache;

/// <summary>
/// SHA-256 of bucket, key and ETag: one version of one object, whatever mount caches it. Held as
/// four words rather than a string so that a million index entries stay small.
/// </summary>
internal readonly record struct ObjectId(ulong A, ulong B, ulong C, ulong D)
{
    public const int HexLength = 64;

    public static ObjectId Of(string bucket, string key, string etag)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(bucket, "\0", key, "\0", etag)), hash);
        return FromBytes(hash);
    }

    /// <summary>Reads a file name's stem, as <see cref="ToString"/> writes it and in no other spelling.</summary>
    public static bool TryParse(string hex, out ObjectId id)
    {
        id = default;
        if (hex.Length != HexLength) return false;
        foreach (char c in hex)
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f')) return false;
        id = FromBytes(Convert.FromHexString(hex));
        return true;
    }

    private static ObjectId FromBytes(ReadOnlySpan<byte> hash) => new(
        BinaryPrimitives.ReadUInt64BigEndian(hash),
        BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(hash[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));

    public override string ToString()
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        BinaryPrimitives.WriteUInt64BigEndian(hash, A);
        BinaryPrimitives.WriteUInt64BigEndian(hash[8..], B);
        BinaryPrimitives.WriteUInt64BigEndian(hash[16..], C);
        BinaryPrimitives.WriteUInt64BigEndian(hash[24..], D);
        return Convert.ToHexStringLower(hash);
    }
}
