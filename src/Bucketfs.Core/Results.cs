using Bucketfs.Core.Read;
using Bucketfs.Core.Write;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Core;

/// <summary>Who asks: new files and directories belong to them.</summary>
internal readonly record struct Caller(uint Uid, uint Gid);

/// <summary>A name's node and attributes, trusted for <see cref="Ttl"/>; node 0 says the name does not exist.</summary>
internal readonly record struct NodeEntry(ulong NodeId, FuseAttr Attr, TimeSpan Ttl)
{
    public static NodeEntry Missing(TimeSpan ttl) => new(0, default, ttl);

    public bool Exists => NodeId != 0;
}

/// <summary>A node's attributes, trusted for <see cref="Ttl"/>.</summary>
internal readonly record struct NodeAttr(FuseAttr Attr, TimeSpan Ttl);

/// <summary>
/// An opened file: its handle; whether the kernel's cached pages of it are still right; and, when
/// not 0, the data-cache file the kernel reads itself (passthrough).
/// </summary>
internal readonly record struct OpenResult(ulong Handle, bool KeepCache = false, int BackingId = 0);

/// <summary>
/// A READDIR entry handed to the caller's packing; false when it did not fit (the listing resumes
/// at it next time). Plain entries need only the attributes' inode number and type.
/// </summary>
internal delegate bool DirectorySink(string name, in NodeEntry entry, ulong nextOffset);

/// <summary>
/// A read begun without waiting: fetched data of a reader (a lease, <see cref="Ready"/> when it
/// is all here) or a read of a staged copy, which <see cref="BucketFileSystem.FinishReadAsync"/> does.
/// </summary>
internal readonly struct ReadStart
{
    internal ReadStart(ObjectReader reader, long offset, int size) => (Reader, Lease) = (reader, reader.Lease(offset, size));

    internal ReadStart(StagedFile staged, long offset, int size) => (Staged, Offset, Size) = (staged, offset, size);

    /// <summary>The fetched data, when the handle reads the object; dispose it once answered.</summary>
    public ReadLease? Lease { get; }

    /// <summary>The reader the lease is from, which waits for its data.</summary>
    internal ObjectReader? Reader { get; }

    internal StagedFile? Staged { get; }
    internal long Offset { get; }
    internal int Size { get; }

    public bool Ready => Lease is { Ready: true };
}

/// <summary>What a read gave: a lease over fetched data (dispose it), or bytes copied into the caller's buffer.</summary>
internal readonly record struct ReadResult(ReadLease? Lease, int Copied);
