using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;

namespace Bucketfs.Bench.FuseLayer;

/// <summary>
/// A read-only filesystem that stores nothing: its big files are synthesized from a pattern and its
/// small files exist only as numbers, so what is measured is the FUSE layer, not a store or a lock.
/// <code>
/// /data.bin      FileSize bytes; READ copies the pattern into the request's buffer (ReplyBuffer + ReplyBuffered)
/// /data-zc.bin   the same bytes; READ answers from the pattern itself (ReplyData, no copy in the daemon)
/// /stat/fNNNNN   FileCount empty-ish files (size = NNNNN), entry and attribute timeouts zero
/// </code>
/// The root and /stat are cached for an hour, so a stat of /stat/fNNNNN costs LOOKUP + GETATTR of
/// the file only.
/// </summary>
internal sealed unsafe class BenchFileSystem : IFuseFileSystem, IDisposable
{
    public const ulong RootId = 1, DataCopyId = 2, DataZeroCopyId = 3, StatDirId = 4, FirstFileId = 1000;
    public const string DataCopyName = "data.bin", DataZeroCopyName = "data-zc.bin", StatDirName = "stat";
    private const uint Directory = 0x4000, Regular = 0x8000;
    private static readonly TimeSpan LongTimeout = TimeSpan.FromHours(1);
    // A fixed mtime: with AUTO_INVAL_DATA a changing mtime would drop cached pages.
    private const ulong FixedTime = 1_700_000_000;

    private readonly byte* _pattern;
    private readonly int _maxRequest;
    private readonly uint _uid, _gid;

    public BenchFileSystem(long fileSize, int fileCount, int maxRequest, uint uid, uint gid)
    {
        FileSize = fileSize;
        FileCount = fileCount;
        _maxRequest = maxRequest;
        _uid = uid;
        _gid = gid;
        _pattern = Pattern.Allocate(maxRequest);
    }

    public long FileSize { get; }

    public int FileCount { get; }

    public static string FileName(int i) => $"f{i:D5}";

    /// <summary>Never answer READ (--simulate-hang): exercises the benchmark's watchdog and connection abort.</summary>
    public bool NeverAnswerReads { get; init; }

    public ValueTask Lookup(FuseRequest request, ulong parent, FuseName name)
    {
        var bytes = name.Span;
        if (parent == RootId)
        {
            if (bytes.SequenceEqual("data.bin"u8)) return request.ReplyEntry(Entry(DataCopyId));
            if (bytes.SequenceEqual("data-zc.bin"u8)) return request.ReplyEntry(Entry(DataZeroCopyId));
            if (bytes.SequenceEqual("stat"u8)) return request.ReplyEntry(Entry(StatDirId));
        }
        else if (parent == StatDirId && TryParseFile(bytes, out int index))
        {
            return request.ReplyEntry(Entry(FirstFileId + (ulong)index));
        }
        return request.ReplyError(Errno.ENOENT);
    }

    public ValueTask GetAttr(FuseRequest request, ulong node, ulong? handle)
    {
        if (!Exists(node)) return request.ReplyError(Errno.ENOENT);
        return request.ReplyAttr(Attr(node), Timeout(node));
    }

    public ValueTask Open(FuseRequest request, ulong node, int flags)
    {
        if (node is RootId or StatDirId) return request.ReplyError(Errno.EISDIR);
        if (!Exists(node)) return request.ReplyError(Errno.ENOENT);
        if ((flags & 3) != Sys.O_RDONLY) return request.ReplyError(Errno.EROFS);
        // No KEEP_CACHE: every open drops the inode's cached pages, so each buffered pass reaches the daemon.
        return request.ReplyOpen(node);
    }

    public ValueTask Read(FuseRequest request, ulong node, ulong handle, long offset, int size)
    {
        if (NeverAnswerReads) return new ValueTask(new TaskCompletionSource().Task);
        long fileSize = node is DataCopyId or DataZeroCopyId ? FileSize : 0;
        int n = (int)Math.Clamp(fileSize - offset, 0, Math.Min(size, _maxRequest));
        byte* source = _pattern + offset % Pattern.Period;
        if (node == DataZeroCopyId) return request.ReplyData(new ReadOnlySpan<byte>(source, n));
        var destination = request.ReplyBuffer(n);
        new ReadOnlySpan<byte>(source, destination.Length).CopyTo(destination);
        return request.ReplyBuffered(destination.Length);
    }

    public ValueTask StatFs(FuseRequest request, ulong node) =>
        request.ReplyStatfs(new FuseStatfs { Blocks = 1 << 30, BlockSize = 4096, FragmentSize = 4096, NameMax = 255, Files = (ulong)FileCount + 3 });

    public ValueTask Access(FuseRequest request, ulong node, int mask) => request.ReplyOk();

    public ValueTask OpenDir(FuseRequest request, ulong node, int flags) =>
        node is RootId or StatDirId ? request.ReplyOpen(node) : request.ReplyError(Errno.ENOTDIR);

    public ValueTask ReadDir(FuseRequest request, ulong node, ulong handle, ulong offset, bool plus)
    {
        var directory = request.Directory;
        Span<byte> name = stackalloc byte[16];
        if (node == RootId)
        {
            ReadOnlySpan<ulong> children = [DataCopyId, DataZeroCopyId, StatDirId];
            for (ulong i = offset; i < (ulong)children.Length; i++)
            {
                ulong child = children[(int)i];
                var childName = child switch { DataCopyId => "data.bin"u8, DataZeroCopyId => "data-zc.bin"u8, _ => "stat"u8 };
                if (!Add(directory, childName, child, i + 1, plus)) break;
            }
        }
        else if (node == StatDirId)
        {
            for (ulong i = offset; i < (ulong)FileCount; i++)
            {
                int length = FormatFile((int)i, name);
                if (!Add(directory, name[..length], FirstFileId + i, i + 1, plus)) break;
            }
        }
        else
        {
            return request.ReplyError(Errno.ENOTDIR);
        }
        return request.ReplyDirectory();
    }

    private bool Add(DirectoryBuffer directory, ReadOnlySpan<byte> name, ulong node, ulong next, bool plus) =>
        plus ? directory.AddPlus(name, Entry(node), next) : directory.Add(name, node, Attr(node).Mode, next);

    private bool Exists(ulong node) =>
        node is RootId or DataCopyId or DataZeroCopyId or StatDirId || (node >= FirstFileId && node < FirstFileId + (ulong)FileCount);

    private FuseEntry Entry(ulong node)
    {
        var timeout = Timeout(node);
        return new FuseEntry { NodeId = node, Attr = Attr(node), EntryTimeout = timeout, AttrTimeout = timeout };
    }

    private static TimeSpan Timeout(ulong node) => node >= FirstFileId ? TimeSpan.Zero : LongTimeout;

    private FuseAttr Attr(ulong node)
    {
        bool directory = node is RootId or StatDirId;
        ulong size = node switch
        {
            DataCopyId or DataZeroCopyId => (ulong)FileSize,
            RootId or StatDirId => 4096,
            _ => node - FirstFileId,
        };
        return new FuseAttr
        {
            Ino = node,
            Size = size,
            Blocks = (size + 511) / 512,
            Mode = directory ? Directory | 0x16D : Regular | 0x124, // 0555 / 0444
            Nlink = directory ? 2u : 1u,
            Uid = _uid,
            Gid = _gid,
            BlkSize = 4096,
            Atime = FixedTime,
            Mtime = FixedTime,
            Ctime = FixedTime,
        };
    }

    /// <summary>"f" followed by exactly five digits below FileCount.</summary>
    private bool TryParseFile(ReadOnlySpan<byte> name, out int index)
    {
        index = 0;
        if (name.Length != 6 || name[0] != (byte)'f') return false;
        for (int i = 1; i < 6; i++)
        {
            int digit = name[i] - '0';
            if ((uint)digit > 9) return false;
            index = index * 10 + digit;
        }
        return index < FileCount;
    }

    private static int FormatFile(int index, Span<byte> destination)
    {
        destination[0] = (byte)'f';
        for (int i = 5; i >= 1; i--)
        {
            destination[i] = (byte)('0' + index % 10);
            index /= 10;
        }
        return 6;
    }

    public void Dispose() => System.Runtime.InteropServices.NativeMemory.AlignedFree(_pattern);
}
