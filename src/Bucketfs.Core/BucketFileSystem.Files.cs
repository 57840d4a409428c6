using Bucketfs.Core.Cache;
using Bucketfs.Core.Handles;
using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.Core.Read;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core;

public sealed partial class BucketFileSystem
{
    private const int AccessModeMask = 3;
    private const int OTrunc = 0x200;

    /// <summary>Opens a file with open(2) <paramref name="flags"/>.</summary>
    internal async Task<OpenResult> OpenAsync(ulong node, int flags, CancellationToken cancellation)
    {
        var inode = _names.Node(node);
        if (inode.Kind == EntryKind.Directory) throw new FileSystemException(FileSystemError.IsDirectory);
        bool write = (flags & AccessModeMask) != 0 || (flags & OTrunc) != 0;
        if (write && _options.ReadOnly) throw new FileSystemException(FileSystemError.ReadOnly);

        // A file being changed is read through its staged copy, so readers see what was written.
        if (write || _staging.Has(inode.Id))
        {
            await ServeAsync(inode, cancellation);
            try
            {
                var staged = await _staging.OpenAsync(inode, write && (flags & OTrunc) != 0, cancellation);
                return new OpenResult(AddHandle(new StagedHandle(inode, staged)));
            }
            catch
            {
                _modes?.Released(inode.Id, 0);
                throw;
            }
        }

        var attributes = await _names.OpenedVersionAsync(inode, cancellation);

        _firstBytes.Opened(inode.ParentPrefix);
        if (attributes.Size <= _options.DirectoryPrefetch.SmallFile && _prefetcher?.Opened(inode.ParentPrefix, inode.Path) is { } prefetching)
            await prefetching.WaitAsync(cancellation);
        var cached = attributes.ETag.Length > 0 ? _dataCache?.Object(_store.Description, inode.Path, attributes.ETag, attributes.Size) : null;
        if (cached != null && _modes != null && attributes.Size >= _tuning.PassthroughMinimum && await OpenPassthrough(inode, attributes.ETag, cached) is { } passthrough)
            return passthrough;
        try
        {
            await ServeAsync(inode, cancellation);
        }
        catch
        {
            cached?.Dispose();
            throw;
        }
        bool keepCache = inode.LastOpenedETag == attributes.ETag && attributes.ETag.Length > 0;
        if (keepCache) Metrics?.KeptPageCache();
        inode.LastOpenedETag = attributes.ETag;
        var first = _firstBytes.Take(inode.Path, attributes.ETag);
        if (first is { } body) cached?.Store(0, body.Buffer.Slice(0, body.Length));
        var reader = new ObjectReader(_store, () => inode.Path, attributes.ETag, attributes.Size, _memory, _tuning, cached, first);
        return new OpenResult(AddHandle(new ReadingFile(inode, reader)), keepCache);
    }

    /// <summary>
    /// A version held whole in the data cache is read by the kernel from the cache file, so those
    /// reads never reach the daemon. Verifying a file the first time can take a while: off the reader thread.
    /// </summary>
    private async Task<OpenResult?> OpenPassthrough(Inode inode, string etag, CachedObject cached)
    {
        int backingId = _modes!.Join(inode.Id, etag);
        if (backingId == 0 && cached.IsComplete && await Task.Run(cached.OpenComplete) is { } file)
            backingId = _modes.Start(inode.Id, etag, file);
        if (backingId == 0) return null;
        cached.Dispose();
        return new OpenResult(AddHandle(new PassthroughFile(inode, backingId)), BackingId: backingId);
    }

    /// <summary>Counts a handle the daemon serves; the kernel refuses one while it reads the inode in passthrough.</summary>
    private async Task ServeAsync(Inode inode, CancellationToken cancellation)
    {
        if (_modes != null && !await _modes.ServeAsync(inode.Id, TimeSpan.FromSeconds(1), cancellation))
            throw new FileSystemException(FileSystemError.Busy, $"{inode.Path} is being read from the data cache by the kernel; it cannot be opened for writing until those handles close");
    }

    private ulong AddHandle(OpenFile file)
    {
        ulong handle = (ulong)Interlocked.Increment(ref _nextHandle);
        _files[handle] = file;
        return handle;
    }

    /// <summary>Begins a read without waiting; see <see cref="ReadStart"/>.</summary>
    internal ReadStart BeginRead(ulong handle, long offset, int size) =>
        _files.GetValueOrDefault(handle) switch
        {
            StagedHandle file => new ReadStart(file.Staged, offset, size),
            // What any handle of this mount writes, every handle of the node reads (one staged copy per inode).
            ReadingFile file when _staging.CopyOf(file.Node.Id) is { } staged => new ReadStart(staged, offset, size),
            ReadingFile file => new ReadStart(file.Current(_versionReader), offset, size),
            _ => throw new FileSystemException(FileSystemError.BadHandle),
        };

    /// <summary>A reader of the node's current version, for a handle moving on to what this mount stored.</summary>
    private ObjectReader VersionReader(Inode node) =>
        new(_store, () => node.Path, node.Attributes.ETag, node.Attributes.Size, _memory, _tuning);

    /// <summary>Waits for a begun read's data, or reads a staged copy into <paramref name="buffer"/>.</summary>
    internal async ValueTask<ReadResult> FinishReadAsync(ulong handle, ReadStart start, Memory<byte> buffer, CancellationToken cancellation)
    {
        var file = _files.GetValueOrDefault(handle);
        if (start.Staged is { } staged)
        {
            var destination = buffer[..Math.Min(buffer.Length, start.Size)];
            if (await _staging.ReadAsync(staged, start.Offset, destination, cancellation) is { } read) return new ReadResult(null, read);
            // A copy this handle only borrowed was uploaded and discarded meanwhile: the version it became is read.
            if (file is not ReadingFile reading) throw new FileSystemException(FileSystemError.BadHandle);
            start = new ReadStart(reading.Current(_versionReader), start.Offset, start.Size);
        }
        return new ReadResult(await start.Reader!.WaitAsync(start.Lease!.Value, cancellation), 0);
    }

    /// <summary>Writes through a handle opened for writing; all of <paramref name="data"/> or an error.</summary>
    internal ValueTask WriteAsync(ulong handle, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellation)
    {
        if (_files.GetValueOrDefault(handle) is not StagedHandle file) throw new FileSystemException(FileSystemError.BadHandle);
        _store.Limits.RequireSizeFits((ulong)offset + (ulong)data.Length, _store.Description);
        return _staging.WriteAsync(file.Staged, offset, data, cancellation);
    }

    /// <summary>
    /// close() and fsync(): the data must be in the bucket before this returns. An upload takes as
    /// long as its size needs; each of its store calls has its own bound, so callers pass a
    /// cancellation that is not a deadline.
    /// </summary>
    internal Task CommitAsync(ulong handle, CancellationToken cancellation) =>
        _files.GetValueOrDefault(handle) is StagedHandle file ? _staging.CommitAsync(file.Node, file.Staged, cancellation) : Task.CompletedTask;

    /// <summary>The last reference to a handle is gone: a staged copy's last handle uploads what is left.</summary>
    internal Task ReleaseAsync(ulong handle)
    {
        if (!_files.TryRemove(handle, out var file)) return Task.CompletedTask;
        _modes?.Released(file.Node.Id, (file as PassthroughFile)?.BackingId ?? 0);
        switch (file)
        {
            case ReadingFile reading:
                reading.Reader.Dispose();
                if (_log.IsEnabled(LogLevel.Debug)) _log.LogDebug("Closed {Key}: {Reads}", file.Node.Path, reading.Reader);
                return Task.CompletedTask;
            case StagedHandle staged:
                return _staging.CloseAsync(file.Node, staged.Staged);
            default:
                return Task.CompletedTask;
        }
    }
}
