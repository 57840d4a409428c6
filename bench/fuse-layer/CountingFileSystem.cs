using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;

namespace Bucketfs.Bench.FuseLayer;

/// <summary>Kinds of requests the benchmark tells apart.</summary>
internal enum Op
{
    Lookup, GetAttr, Read, Write, Open, Release, Flush, Create, MkDir, ReadDir, GetXattr, Forget, Other,
}

/// <summary>
/// Request counters, one per <see cref="Op"/>, each on its own cache line. Incremented by the
/// reader threads; read by a client thread into a stack struct, so sampling allocates nothing.
/// </summary>
internal sealed class OpCounters
{
    public const int Count = (int)Op.Other + 1;
    private const int Stride = 16; // 128 bytes: no false sharing between counters
    private readonly long[] _counts = new long[Count * Stride];
    private long _readBytes;

    public void Add(Op op) => Interlocked.Increment(ref _counts[(int)op * Stride]);

    public void AddReadBytes(long n) => Interlocked.Add(ref _readBytes, n);

    public long this[Op op] => Volatile.Read(ref _counts[(int)op * Stride]);

    public long ReadBytes => Volatile.Read(ref _readBytes);
}

/// <summary>Counts every request (and FORGET) a filesystem is handed, then passes it on unchanged.</summary>
internal sealed class CountingFileSystem(IFuseFileSystem inner, OpCounters counters) : IFuseFileSystem
{
    private void Other() => counters.Add(Op.Other);

    public void Init(FuseConnection connection) => inner.Init(connection);

    public ValueTask Lookup(FuseRequest request, ulong parent, FuseName name) { counters.Add(Op.Lookup); return inner.Lookup(request, parent, name); }

    public void Forget(ReadOnlySpan<FuseForgetOne> forgets) { counters.Add(Op.Forget); inner.Forget(forgets); }

    public ValueTask GetAttr(FuseRequest request, ulong node, ulong? handle) { counters.Add(Op.GetAttr); return inner.GetAttr(request, node, handle); }

    public ValueTask SetAttr(FuseRequest request, ulong node, SetAttrRequest change) { Other(); return inner.SetAttr(request, node, change); }

    public ValueTask ReadLink(FuseRequest request, ulong node) { Other(); return inner.ReadLink(request, node); }

    public ValueTask Symlink(FuseRequest request, ulong parent, FuseName name, FuseName target) { Other(); return inner.Symlink(request, parent, name, target); }

    public ValueTask MkNod(FuseRequest request, ulong parent, FuseName name, uint mode, uint rdev, uint umask) { Other(); return inner.MkNod(request, parent, name, mode, rdev, umask); }

    public ValueTask MkDir(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask) { counters.Add(Op.MkDir); return inner.MkDir(request, parent, name, mode, umask); }

    public ValueTask Unlink(FuseRequest request, ulong parent, FuseName name) { Other(); return inner.Unlink(request, parent, name); }

    public ValueTask RmDir(FuseRequest request, ulong parent, FuseName name) { Other(); return inner.RmDir(request, parent, name); }

    public ValueTask Rename(FuseRequest request, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags) { Other(); return inner.Rename(request, parent, name, newParent, newName, flags); }

    public ValueTask Link(FuseRequest request, ulong node, ulong newParent, FuseName newName) { Other(); return inner.Link(request, node, newParent, newName); }

    public ValueTask Open(FuseRequest request, ulong node, int flags) { counters.Add(Op.Open); return inner.Open(request, node, flags); }

    public ValueTask Create(FuseRequest request, ulong parent, FuseName name, uint mode, uint umask, int flags) { counters.Add(Op.Create); return inner.Create(request, parent, name, mode, umask, flags); }

    public ValueTask Read(FuseRequest request, ulong node, ulong handle, long offset, int size)
    {
        counters.Add(Op.Read);
        counters.AddReadBytes(size);
        return inner.Read(request, node, handle, offset, size);
    }

    public ValueTask Write(FuseRequest request, ulong node, ulong handle, long offset, FuseData data, uint writeFlags) { counters.Add(Op.Write); return inner.Write(request, node, handle, offset, data, writeFlags); }

    public ValueTask Flush(FuseRequest request, ulong node, ulong handle, ulong lockOwner) { counters.Add(Op.Flush); return inner.Flush(request, node, handle, lockOwner); }

    public ValueTask Fsync(FuseRequest request, ulong node, ulong handle, bool dataOnly) { Other(); return inner.Fsync(request, node, handle, dataOnly); }

    public ValueTask Release(FuseRequest request, ulong node, ulong handle, int flags) { counters.Add(Op.Release); return inner.Release(request, node, handle, flags); }

    public ValueTask StatFs(FuseRequest request, ulong node) { Other(); return inner.StatFs(request, node); }

    public ValueTask Access(FuseRequest request, ulong node, int mask) { Other(); return inner.Access(request, node, mask); }

    public ValueTask OpenDir(FuseRequest request, ulong node, int flags) { Other(); return inner.OpenDir(request, node, flags); }

    public ValueTask ReadDir(FuseRequest request, ulong node, ulong handle, ulong offset, bool plus) { counters.Add(Op.ReadDir); return inner.ReadDir(request, node, handle, offset, plus); }

    public ValueTask ReleaseDir(FuseRequest request, ulong node, ulong handle) { Other(); return inner.ReleaseDir(request, node, handle); }

    public ValueTask FsyncDir(FuseRequest request, ulong node, ulong handle, bool dataOnly) { Other(); return inner.FsyncDir(request, node, handle, dataOnly); }

    public ValueTask GetXattr(FuseRequest request, ulong node, FuseName name, int size) { counters.Add(Op.GetXattr); return inner.GetXattr(request, node, name, size); }

    public ValueTask SetXattr(FuseRequest request, ulong node, FuseName name, FuseData value, int flags) { Other(); return inner.SetXattr(request, node, name, value, flags); }

    public ValueTask ListXattr(FuseRequest request, ulong node, int size) { Other(); return inner.ListXattr(request, node, size); }

    public ValueTask RemoveXattr(FuseRequest request, ulong node, FuseName name) { Other(); return inner.RemoveXattr(request, node, name); }

    public ValueTask Fallocate(FuseRequest request, ulong node, ulong handle, long offset, long length, int mode) { Other(); return inner.Fallocate(request, node, handle, offset, length, mode); }

    public ValueTask Lseek(FuseRequest request, ulong node, ulong handle, long offset, int whence) { Other(); return inner.Lseek(request, node, handle, offset, whence); }

    public void Destroy() => inner.Destroy();
}
