using System.Runtime.CompilerServices;
using System.Text;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Fuse.Session;

/// <summary>
/// Packs directory entries for a READDIR or READDIRPLUS reply into the request's buffer: each
/// entry 8-byte aligned, names without NUL. Add returns false once the kernel's size is reached;
/// with READDIRPLUS, an entry counts as a lookup only when Add returned true (and not for "." or
/// "..", nor a zero node id).
/// </summary>
public sealed unsafe class DirectoryBuffer
{
    private const int MaxNameBytes = 1024;
    private readonly FuseRequest _request;
    private int _limit;

    internal DirectoryBuffer(FuseRequest request) => _request = request;

    /// <summary>Bytes packed so far.</summary>
    public int Length { get; private set; }

    public bool IsPlus { get; private set; }

    public bool IsEmpty => Length == 0;

    internal void Reset(int size, bool plus)
    {
        _limit = Math.Min(size, _request.Capacity - 16);
        IsPlus = plus;
        Length = 0;
    }

    /// <summary>Adds a READDIR entry; <paramref name="nextOffset"/> is the offset the next READDIR resumes from.</summary>
    public bool Add(ReadOnlySpan<byte> name, ulong ino, uint mode, ulong nextOffset)
    {
        if (IsPlus) throw new InvalidOperationException("READDIRPLUS entries need attributes: use AddPlus");
        return Append(name, ino, mode, nextOffset, null);
    }

    public bool Add(ReadOnlySpan<char> name, ulong ino, uint mode, ulong nextOffset)
    {
        Span<byte> bytes = stackalloc byte[MaxNameBytes];
        return Add(bytes[..Encoding.UTF8.GetBytes(name, bytes)], ino, mode, nextOffset);
    }

    /// <summary>Adds a READDIRPLUS entry with its lookup answer (a zero NodeId sends the name only).</summary>
    public bool AddPlus(ReadOnlySpan<byte> name, in FuseEntry entry, ulong nextOffset)
    {
        EntryOut output = default;
        entry.WriteTo(ref output);
        return Append(name, output.Attr.Ino, entry.Attr.Mode, nextOffset, &output);
    }

    public bool AddPlus(ReadOnlySpan<char> name, in FuseEntry entry, ulong nextOffset)
    {
        Span<byte> bytes = stackalloc byte[MaxNameBytes];
        return AddPlus(bytes[..Encoding.UTF8.GetBytes(name, bytes)], entry, nextOffset);
    }

    /// <summary>Size of a packed entry; public for tests and for filesystems that plan pages.</summary>
    public static int EntrySize(int nameLength, bool plus) =>
        (plus ? sizeof(EntryOut) : 0) + Align8(sizeof(Dirent) + nameLength);

    private bool Append(ReadOnlySpan<byte> name, ulong ino, uint mode, ulong nextOffset, EntryOut* entry)
    {
        int size = EntrySize(name.Length, entry != null);
        if (Length + size > _limit) return false;
        byte* p = _request.Buffer + 16 + Length;
        if (entry != null)
        {
            Unsafe.WriteUnaligned(p, *entry);
            p += sizeof(EntryOut);
        }
        Unsafe.WriteUnaligned(p, new Dirent { Ino = ino, Offset = nextOffset, NameLength = (uint)name.Length, Type = (mode >> 12) & 0xF });
        var nameSpan = new Span<byte>(p + sizeof(Dirent), Align8(sizeof(Dirent) + name.Length) - sizeof(Dirent));
        name.CopyTo(nameSpan);
        nameSpan[name.Length..].Clear();
        Length += size;
        return true;
    }

    private static int Align8(int n) => (n + 7) & ~7;
}
