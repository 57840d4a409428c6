using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Core.Cache;

/// <summary>
/// A handle on one version of one object in the data cache, for as long as a file is open on it.
/// Safe to use from many threads at once. When the cache's files could not be opened it serves
/// nothing and stores nothing, so a broken cache costs fetches, never reads.
/// </summary>
internal sealed class CachedObject : IDisposable
{
    private readonly DataCache _cache;
    private readonly CacheEntry _entry;
    private readonly ObjectFiles? _files;
    private int _disposed;

    public CachedObject(DataCache cache, CacheEntry entry, ObjectFiles? files, long size, int blockSize)
    {
        _cache = cache;
        _entry = entry;
        _files = files;
        Size = size;
        BlockSize = blockSize;
    }

    public long Size { get; }
    public int BlockSize { get; }

    /// <summary>Every block is cached (as far as this process knows; each is still verified before use).</summary>
    public bool IsComplete => _files is { } files && files.Present.Count == files.Geometry.BlockCount;

    /// <summary>
    /// Fills <paramref name="destination"/> with the bytes at <paramref name="offset"/> when every
    /// block under it is cached and matches its checksum; false otherwise, the destination's
    /// content then being unspecified. A block that fails its checksum is dropped.
    /// </summary>
    public bool TryRead(long offset, Span<byte> destination)
    {
        if (_files is not { } files || offset < 0 || offset > Size - destination.Length) return false;
        if (destination.IsEmpty) return true;
        var geometry = files.Geometry;
        long end = offset + destination.Length;
        try
        {
            for (int block = geometry.BlockAt(offset); block < geometry.BlockCount && geometry.Start(block) < end; block++)
            {
                long start = geometry.Start(block);
                long from = Math.Max(offset, start);
                long to = Math.Min(end, start + geometry.Length(block));
                var part = destination.Slice((int)(from - offset), (int)(to - from));
                if (files.Verified.IsSet(block))
                {
                    if (FileRead.Fully(files.Data, part, from) != part.Length) return false;
                }
                else if (!TryVerify(files, block, part, (int)(from - start)))
                {
                    return false;
                }
            }
        }
        catch (IOException e)
        {
            _cache.Log.LogDebug("Reading {Path} from the cache failed: {Message}", files.DataPath, e.Message);
            return false;
        }
        _cache.Touch(_entry, files);
        return true;
    }

    /// <summary>
    /// Caches every whole block in [offset, offset + data.Length): the object's last block is whole
    /// when the data reaches the object's end. Partial blocks are left out. Skips what the budget
    /// cannot make room for; never throws for lack of space or a failing disk.
    /// </summary>
    public void Store(long offset, ReadOnlySpan<byte> data)
    {
        if (_files is not { } files || offset < 0) return;
        var geometry = files.Geometry;
        long end = Math.Min(offset + data.Length, Size);
        for (int block = geometry.BlockFrom(offset); block < geometry.BlockCount; block++)
        {
            long start = geometry.Start(block);
            int length = geometry.Length(block);
            if (start + length > end) return;
            if (files.Verified.IsSet(block)) continue;
            var bytes = data.Slice((int)(start - offset), length);
            // A block already present is only rewritten (its data may be what a crash lost): it is counted already.
            if (!files.Present.IsSet(block))
            {
                if (!_cache.TryReserve(_entry, length))
                {
                    _cache.Log.LogDebug("Not caching block {Block} of {Path}: no room within the cache's limits", block, files.DataPath);
                    return;
                }
                // Every change of a present bit is counted exactly once: here the other thread's change was.
                if (!files.Present.Set(block)) _cache.Account(_entry, -length);
            }
            try
            {
                uint crc = Crc32C.Compute(bytes);
                // Data before record: a crash in between leaves a block that reads as missing.
                RandomAccess.Write(files.Data, bytes, start);
                files.WriteRecord(block, crc);
                files.Verified.Set(block);
            }
            catch (IOException e)
            {
                if (files.Present.Clear(block)) _cache.Account(_entry, -length);
                _cache.Log.LogDebug("Not caching block {Block} of {Path}: {Message}", block, files.DataPath, e.Message);
                return;
            }
        }
    }

    /// <summary>
    /// A read-only handle on the data file, which is then the object byte for byte (for FUSE
    /// passthrough), when every block is cached and verifies; null otherwise. The first call in
    /// this process checks every block; later ones only that the file is still the one checked.
    /// </summary>
    public SafeFileHandle? OpenComplete()
    {
        if (_files is not { } files || !IsComplete) return null;
        SafeFileHandle? handle = null;
        try
        {
            // Opened by path, so the handle is on the file in the cache now, which may not be the
            // one this process has open if another mount evicted and recreated it.
            handle = File.OpenHandle(files.DataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var identity = FileIdentity.Of(handle);
            if (identity != _entry.VerifiedComplete)
            {
                if (!VerifyAll(files, handle)) return Discard(handle);
                _entry.VerifiedComplete = identity;
            }
            return handle;
        }
        catch (IOException e)
        {
            _cache.Log.LogDebug("Cannot hand out {Path}: {Message}", files.DataPath, e.Message);
            return handle is null ? null : Discard(handle);
        }
    }

    private static SafeFileHandle? Discard(SafeFileHandle handle)
    {
        handle.Dispose();
        return null;
    }

    private bool VerifyAll(ObjectFiles files, SafeFileHandle data)
    {
        var geometry = files.Geometry;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(geometry.BlockSize);
        try
        {
            for (int block = 0; block < geometry.BlockCount; block++)
            {
                var bytes = buffer.AsSpan(0, geometry.Length(block));
                if (!files.ReadRecord(block, out uint crc)) return false;
                if (FileRead.Fully(data, bytes, geometry.Start(block)) != bytes.Length || Crc32C.Compute(bytes) != crc)
                {
                    Drop(files, block);
                    return false;
                }
            }
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Checks a block against its record, copying the part asked for into <paramref name="part"/> when it matches.</summary>
    private bool TryVerify(ObjectFiles files, int block, Span<byte> part, int offsetInBlock)
    {
        if (!files.ReadRecord(block, out uint crc)) return false;
        int length = files.Geometry.Length(block);
        // A whole block asked for is read straight into the destination.
        if (part.Length == length) return Check(files, block, part, crc);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var whole = buffer.AsSpan(0, length);
            if (!Check(files, block, whole, crc)) return false;
            whole.Slice(offsetInBlock, part.Length).CopyTo(part);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool Check(ObjectFiles files, int block, Span<byte> whole, uint crc)
    {
        if (FileRead.Fully(files.Data, whole, files.Geometry.Start(block)) != whole.Length || Crc32C.Compute(whole) != crc)
        {
            Drop(files, block);
            return false;
        }
        files.Verified.Set(block);
        // Stored by another mount since this one opened the files: it takes room all the same.
        if (files.Present.Set(block)) _cache.Account(_entry, whole.Length);
        return true;
    }

    private void Drop(ObjectFiles files, int block)
    {
        // Written by a store in this process since it was read: the bytes are right now.
        if (files.Verified.IsSet(block)) return;
        files.ClearRecord(block);
        if (files.Present.Clear(block)) _cache.Account(_entry, -files.Geometry.Length(block));
        files.ReportBadBlock(block, _cache.Log);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _cache.Release(_entry);
    }
}
