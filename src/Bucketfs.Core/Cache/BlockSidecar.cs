using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Core.Cache;

/// <summary>
/// The .blocks file beside an object's data: a header naming the object and how it is cut into
/// blocks, then one record per block, CRC-32C of the block's bytes and a marker saying it is
/// there. A record of zeros, or past the end of the file, is a block not cached. The header
/// depends on nothing but the object, so two mounts creating it at once write the same bytes.
/// </summary>
internal static class BlockSidecar
{
    public const int RecordSize = 8;

    private const uint Version = 1;
    private const uint PresentMarker = 0x4B4C4250;
    // Magic, version, block size, object size, then the UTF-8 lengths of bucket, key and ETag.
    private const int FixedLength = 36;
    // Far above S3's limits (a key is at most 1024 bytes); anything longer is not a header of ours.
    private const int MaxFieldLength = 4096;
    private const int RecordsPerRead = 8192;

    private static ReadOnlySpan<byte> Magic => "bfscache"u8;

    public static byte[] Header(string bucket, string key, string etag, BlockGeometry geometry)
    {
        int bucketLength = Encoding.UTF8.GetByteCount(bucket);
        int keyLength = Encoding.UTF8.GetByteCount(key);
        int etagLength = Encoding.UTF8.GetByteCount(etag);
        // Records start 8-aligned so that none straddles a page and a torn write can only blank it.
        var header = new byte[Align(FixedLength + bucketLength + keyLength + etagLength)];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], geometry.BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], geometry.Size);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], bucketLength);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], keyLength);
        BinaryPrimitives.WriteInt32LittleEndian(span[32..], etagLength);
        int at = FixedLength;
        at += Encoding.UTF8.GetBytes(bucket, span[at..]);
        at += Encoding.UTF8.GetBytes(key, span[at..]);
        Encoding.UTF8.GetBytes(etag, span[at..]);
        return header;
    }

    /// <summary>
    /// True when the file holds exactly this header, after completing one that a crash or a
    /// concurrent creator left short; false when it belongs to another object or geometry.
    /// </summary>
    public static bool Adopt(SafeFileHandle file, byte[] header)
    {
        var existing = new byte[header.Length];
        int n = FileRead.Fully(file, existing, 0);
        if (!existing.AsSpan(0, n).SequenceEqual(header.AsSpan(0, n))) return false;
        if (n < header.Length) RandomAccess.Write(file, header.AsSpan(n), n);
        return true;
    }

    /// <summary>Parses the header of a sidecar found on disk; null when it is short, damaged or not ours.</summary>
    public static SidecarHeader? TryRead(SafeFileHandle file)
    {
        Span<byte> fixedPart = stackalloc byte[FixedLength];
        if (FileRead.Fully(file, fixedPart, 0) != FixedLength || !fixedPart.StartsWith(Magic)) return null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(fixedPart[8..]) != Version) return null;
        int blockSize = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[12..]);
        long size = BinaryPrimitives.ReadInt64LittleEndian(fixedPart[16..]);
        int bucketLength = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[24..]);
        int keyLength = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[28..]);
        int etagLength = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[32..]);
        if (blockSize <= 0 || size < 0 || size / blockSize >= int.MaxValue) return null;
        if (!IsFieldLength(bucketLength) || !IsFieldLength(keyLength) || !IsFieldLength(etagLength)) return null;

        var fields = new byte[bucketLength + keyLength + etagLength];
        if (FileRead.Fully(file, fields, FixedLength) != fields.Length) return null;
        return new SidecarHeader(
            new BlockGeometry(size, blockSize),
            Encoding.UTF8.GetString(fields, 0, bucketLength),
            Encoding.UTF8.GetString(fields, bucketLength, keyLength),
            Encoding.UTF8.GetString(fields, bucketLength + keyLength, etagLength),
            Align(FixedLength + fields.Length));
    }

    public static long RecordOffset(int headerLength, int block) => headerLength + (long)block * RecordSize;

    public static void Encode(Span<byte> record, uint crc)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(record, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], PresentMarker);
    }

    public static bool IsPresent(ReadOnlySpan<byte> record, out uint crc)
    {
        crc = BinaryPrimitives.ReadUInt32LittleEndian(record);
        return BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) == PresentMarker;
    }

    /// <summary>Bytes of the blocks whose records say present, marking them in <paramref name="present"/> when given.</summary>
    public static long ReadPresent(SafeFileHandle file, int headerLength, BlockGeometry geometry, BlockBits? present)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(RecordsPerRead * RecordSize);
        try
        {
            long bytes = 0;
            int count = geometry.BlockCount;
            for (int first = 0; first < count; first += RecordsPerRead)
            {
                int wanted = Math.Min(RecordsPerRead, count - first) * RecordSize;
                int n = FileRead.Fully(file, buffer.AsSpan(0, wanted), RecordOffset(headerLength, first));
                for (int i = 0; i < n / RecordSize; i++)
                {
                    if (!IsPresent(buffer.AsSpan(i * RecordSize, RecordSize), out _)) continue;
                    bytes += geometry.Length(first + i);
                    present?.Set(first + i);
                }
                // Records are only ever written in place, so past the end every block is missing.
                if (n < wanted) break;
            }
            return bytes;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsFieldLength(int length) => length is >= 0 and <= MaxFieldLength;

    private static int Align(int length) => (length + RecordSize - 1) / RecordSize * RecordSize;
}

/// <summary>What a sidecar's header says: the object it belongs to and how it is cut into blocks.</summary>
internal sealed record SidecarHeader(BlockGeometry Geometry, string Bucket, string Key, string ETag, int Length);
