using System.Text;

namespace Bucketfs.Fuse.Session;

/// <summary>
/// A name inside a request's buffer, without its NUL. Valid until the request is answered; decode
/// it with <see cref="Decode"/> into a stack buffer to look it up without allocating.
/// </summary>
public readonly unsafe struct FuseName
{
    private readonly byte* _bytes;

    internal FuseName(byte* bytes, int length)
    {
        _bytes = bytes;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => new(_bytes, Length);

    /// <summary>Decodes into <paramref name="destination"/> (at least <see cref="Length"/> chars) and returns the used part.</summary>
    public ReadOnlySpan<char> Decode(Span<char> destination) => destination[..Encoding.UTF8.GetChars(Span, destination)];

    public bool IsDot => Length == 1 && _bytes[0] == (byte)'.';

    public bool IsDotDot => Length == 2 && _bytes[0] == (byte)'.' && _bytes[1] == (byte)'.';

    public override string ToString() => Encoding.UTF8.GetString(Span);
}

/// <summary>Bytes carried by a request (write data, xattr value); valid until the request is answered.</summary>
public readonly struct FuseData
{
    private readonly FuseRequest _request;
    private readonly int _offset;

    internal FuseData(FuseRequest request, int offset, int length)
    {
        _request = request;
        _offset = offset;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _request.BufferSpan.Slice(_offset, Length);

    public ReadOnlyMemory<byte> Memory => _request.BufferMemory.Slice(_offset, Length);
}
