using Bucketfs.Core.Cache;
using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.Core.Read;
using Bucketfs.Core.Write;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core;

public sealed partial class BucketFileSystem
{
    private const int AccessModeMask = 3;
    private const int OTrunc = 0x200;

    /// <summary>An open handle: a prefetching reader of one version, the inode's staged copy, or a cached copy the kernel reads itself.</summary>
    private sealed class OpenFile(Inode node, ObjectReader? reader, StagedFile? staged, int backingId = 0)
    {
        public Inode Node { get; } = node;
        public ObjectReader? Reader { get; } = reader;
        public StagedFile? Staged { get; } = staged;
        public int BackingId { get; } = backingId;
    }

    public async ValueTask Open(FuseRequest request, ulong node, int flags)
    {
        var inode = Node(node);
        if (inode.Kind == EntryKind.Directory) throw new FuseException(Errno.EISDIR);
        bool write = (flags & AccessModeMask) != 0 || (flags & OTrunc) != 0;
        if (write && _options.ReadOnly) throw new FuseException(Errno.EROFS);
        var cancellation = request.CancellationToken;

        // A file being changed is read through its staged copy, so readers see what was written.
        if (write || _staged.ContainsKey(inode.Id))
        {
            await ServeAsync(inode, cancellation);
            StagedFile staged;
            try
            {
                staged = await StageLocked(inode, cancellation);
            }
            catch
            {
                _modes?.Released(inode.Id, 0);
                throw;
            }
            try
            {
                if (write && (flags & OTrunc) != 0)
                {
                    staged.Truncate(0);
                    if (staged.Stream is null or { Abandoned: true }) staged.Stream = NewStream(staged);
                }
                staged.OpenHandles++;
            }
            finally
            {
                staged.Gate.Release();
            }
            await request.ReplyOpen(AddHandle(new OpenFile(inode, null, staged)));
            return;
        }

        // Attributes within the TTL (from a listing or lookup) are trusted; otherwise the object
        // is asked for its current version (alone, or with its directory), which every read will then insist on.
        var parent = _inodes.Find(inode.ParentId);
        if (_cache.TryGet(inode.Path, out var attributes) && attributes?.Kind == inode.Kind)
        {
            if (parent != null && RevalidatedAlone(parent, inode, attributes)) _relisting.Used(parent);
        }
        else if (parent != null && await FromRelisting(parent, inode.Path, cancellation) is (true, var relisted))
        {
            attributes = relisted?.Kind == inode.Kind ? relisted : throw new FuseException(Errno.ENOENT);
        }
        else
        {
            attributes = await Store(() => _resolver.HeadAsync(inode.Path, cancellation)) ?? throw new FuseException(Errno.ENOENT);
        }
        inode.Attributes = attributes;

        _firstBytes.Opened(inode.ParentPrefix);
        if (attributes.Size <= _options.DirectoryPrefetch.SmallFile && _prefetcher?.Opened(inode.ParentPrefix, inode.Path) is { } prefetching)
            await prefetching.WaitAsync(cancellation);
        var cached = attributes.ETag.Length > 0 ? _dataCache?.Object(_store.Description, inode.Path, attributes.ETag, attributes.Size) : null;
        if (cached != null && _modes != null && attributes.Size >= _tuning.PassthroughMinimum && await OpenPassthrough(request, inode, attributes.ETag, cached)) return;
        try
        {
            await ServeAsync(inode, cancellation);
        }
        catch
        {
            cached?.Dispose();
            throw;
        }
        var flagsOut = inode.LastOpenedETag == attributes.ETag && attributes.ETag.Length > 0 ? FuseOpenFlags.KeepCache : FuseOpenFlags.None;
        inode.LastOpenedETag = attributes.ETag;
        var first = _firstBytes.Take(inode.Path, attributes.ETag);
        if (first is { } body) cached?.Store(0, body.Buffer.Slice(0, body.Length));
        var reader = new ObjectReader(_store, inode.Path, attributes.ETag, attributes.Size, _memory, _tuning, cached, first);
        await request.ReplyOpen(AddHandle(new OpenFile(inode, reader, null)), flagsOut);
    }

    /// <summary>
    /// A version held whole in the data cache is read by the kernel from the cache file, so those
    /// reads never reach the daemon. Verifying a file the first time can take a while: off the reader thread.
    /// </summary>
    private async Task<bool> OpenPassthrough(FuseRequest request, Inode inode, string etag, CachedObject cached)
    {
        int backingId = _modes!.Join(inode.Id, etag);
        if (backingId == 0 && cached.IsComplete && await Task.Run(cached.OpenComplete) is { } file)
            backingId = _modes.Start(inode.Id, etag, file);
        if (backingId == 0) return false;
        cached.Dispose();
        await request.ReplyOpen(AddHandle(new OpenFile(inode, null, null, backingId)), FuseOpenFlags.Passthrough, backingId);
        return true;
    }

    /// <summary>Counts a handle the daemon serves; the kernel refuses one while it reads the inode in passthrough.</summary>
    private async Task ServeAsync(Inode inode, CancellationToken cancellation)
    {
        if (_modes != null && !await _modes.ServeAsync(inode.Id, TimeSpan.FromSeconds(1), cancellation))
        {
            _log.LogWarning("{Key} is being read from the data cache by the kernel; it cannot be opened for writing until those handles close", inode.Path);
            throw new FuseException(Errno.ETXTBSY);
        }
    }

    private StreamingUpload NewStream(StagedFile staged) => new(_store, staged, _options.Upload, _memory, _log);

    private ulong AddHandle(OpenFile file)
    {
        ulong handle = (ulong)Interlocked.Increment(ref _nextHandle);
        _files[handle] = file;
        return handle;
    }

    public ValueTask Read(FuseRequest request, ulong node, ulong handle, long offset, int size)
    {
        if (!_files.TryGetValue(handle, out var file)) return request.ReplyError(Errno.EBADF);
        if (file.Reader is not { } reader) return ReadStaged(request, file.Staged!, offset, size);
        var lease = reader.Lease(offset, size);
        return lease.Ready ? Reply(request, lease) : ReplyWhenReady(request, reader, lease);
    }

    private async ValueTask ReplyWhenReady(FuseRequest request, ObjectReader reader, ReadLease lease)
    {
        var cancellation = request.CancellationToken;
        await Reply(request, await Store(() => reader.WaitAsync(lease, cancellation)));
    }

    private async ValueTask ReadStaged(FuseRequest request, StagedFile staged, long offset, int size)
    {
        var cancellation = request.CancellationToken;
        await staged.Gate.WaitAsync(cancellation);
        try
        {
            int read = await Store(() => staged.ReadAsync(_store, offset, request.ReplyBufferMemory(size), cancellation));
            await request.ReplyBuffered(read);
        }
        finally
        {
            staged.Gate.Release();
        }
    }

    /// <summary>Answers from the fetched data itself when one or two chunks hold it, sparing a copy and the request buffer's pages.</summary>
    private static ValueTask Reply(FuseRequest request, ReadLease lease)
    {
        using (lease)
        {
            if (lease.TrySingle(out var data)) return request.ReplyData(data);
            if (lease.TryPair(out var first, out var second)) return request.ReplyData(first, second);
            return request.ReplyBuffered(lease.CopyTo(request.ReplyBuffer(int.MaxValue)));
        }
    }

    public ValueTask Write(FuseRequest request, ulong node, ulong handle, long offset, FuseData data, uint writeFlags)
    {
        if (!_files.TryGetValue(handle, out var file) || file.Staged is not { } staged) return request.ReplyError(Errno.EBADF);
        if (staged.Stream != null || !staged.Gate.Wait(0)) return WriteLater(request, staged, offset, data);
        try
        {
            WriteLocal(staged, offset, data.Span);
        }
        finally
        {
            staged.Gate.Release();
        }
        return request.ReplyWrite(data.Length);
    }

    private async ValueTask WriteLater(FuseRequest request, StagedFile staged, long offset, FuseData data)
    {
        var cancellation = request.CancellationToken;
        await staged.Gate.WaitAsync(cancellation);
        try
        {
            WriteLocal(staged, offset, data.Span);
            if (staged.Stream is { } stream) await Store(async () => { await stream.AdvanceAsync(cancellation); return true; });
        }
        finally
        {
            staged.Gate.Release();
        }
        await request.ReplyWrite(data.Length);
    }

    /// <summary>
    /// A write the local copy refused (a full disk) fails this write with its errno, and the copy
    /// is never published: it has a hole where the data was refused.
    /// </summary>
    private void WriteLocal(StagedFile staged, long offset, ReadOnlySpan<byte> data)
    {
        if (staged.WriteFailure is { } failed) throw new FuseException(failed);
        try
        {
            staged.Write(offset, data);
        }
        catch (IOException e)
        {
            int errno = e.HResult is Errno.ENOSPC or Errno.EDQUOT ? e.HResult : Errno.EIO;
            staged.Failed(errno);
            _log.LogError("Writing {Key} to its local copy in {Path} failed: {Message}; the file will not be uploaded, and its close() fails", staged.Key, staged.DataPath, e.Message);
            throw new FuseException(errno, e.Message);
        }
    }

    /// <summary>
    /// close(): the data must be in the bucket before this returns, or close() fails with EIO. An
    /// upload takes as long as its size needs, so it is not held to the request timeout; each of
    /// its store calls has its own bound, so a store that stops answering still fails it.
    /// </summary>
    public async ValueTask Flush(FuseRequest request, ulong node, ulong handle, ulong lockOwner)
    {
        if (_files.TryGetValue(handle, out var file) && file.Staged?.WriteFailure is { } failed) throw new FuseException(failed);
        if (file?.Staged is { Dirty: true } staged)
            await Upload(file.Node, staged, request.InterruptToken);
        await request.ReplyOk();
    }

    public async ValueTask Fsync(FuseRequest request, ulong node, ulong handle, bool dataOnly)
    {
        if (_files.TryGetValue(handle, out var file) && file.Staged?.WriteFailure is { } failed) throw new FuseException(failed);
        if (file?.Staged is { Dirty: true } staged)
            await Upload(file.Node, staged, request.InterruptToken);
        await request.ReplyOk();
    }

    public async ValueTask Release(FuseRequest request, ulong node, ulong handle, int flags)
    {
        await request.ReplyOk();
        if (!_files.TryRemove(handle, out var file)) return;
        _modes?.Released(file.Node.Id, file.BackingId);
        if (file.Reader is { } reader)
        {
            reader.Dispose();
            if (_log.IsEnabled(LogLevel.Debug)) _log.LogDebug("Closed {Key}: {Reads}", file.Node.Path, reader);
        }
        if (file.Staged is { } staged) await Unstage(file.Node, staged, closing: true);
    }

    /// <summary>The inode's staged copy with its gate held, never one the last close has just discarded.</summary>
    private async Task<StagedFile> StageLocked(Inode inode, CancellationToken cancellation)
    {
        var staged = await Stage(inode, cancellation);
        await staged.Gate.WaitAsync(cancellation);
        while (staged.Discarded)
        {
            staged.Gate.Release();
            staged = await Stage(inode, cancellation);
            await staged.Gate.WaitAsync(cancellation);
        }
        return staged;
    }

    /// <summary>The inode's staged copy, created from the current version on first need.</summary>
    private async Task<StagedFile> Stage(Inode inode, CancellationToken cancellation)
    {
        await _stagingLock.WaitAsync(cancellation);
        try
        {
            if (_staged.TryGetValue(inode.Id, out var existing)) return existing;
            var current = await Store(() => _resolver.HeadAsync(inode.Path, cancellation));
            var attr = _attributes.Map(inode.Id, current ?? inode.Attributes);
            var metadata = S3fsMetadata.For(attr.Mode, attr.Uid, attr.Gid, UnixTime.Now, current?.Metadata);
            var staged = StagedFile.Create(_stagingDirectory, _store.Description, inode.Path, current?.ETag, current?.Size ?? 0, metadata);
            if (current is null) staged.Truncate(0);
            _staged[inode.Id] = staged;
            return staged;
        }
        finally
        {
            _stagingLock.Release();
        }
    }

    /// <summary>Uploads a staged file; on failure the copy stays (and is logged) and the caller gets EIO.</summary>
    private async Task Upload(Inode inode, StagedFile staged, CancellationToken cancellation)
    {
        await staged.Gate.WaitAsync(cancellation);
        try
        {
            if (!staged.Dirty || staged.Deleted || staged.WriteFailure != null) return;
            staged.Acknowledge();
            if (staged.MtimeFromWrites) staged.Manifest.Metadata["mtime"] = UnixTime.Now.Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var info = await _uploader.UploadAsync(staged, cancellation);
            var attributes = new EntryAttributes(inode.Kind, info.Size, info.ETag, DateTimeOffset.UtcNow) { Metadata = new Dictionary<string, string>(staged.Manifest.Metadata) };
            inode.Attributes = attributes;
            _cache.Add(inode.Path, attributes);
            _listings?.Forget(inode.ParentPrefix);
        }
        catch (ObjectStoreException e)
        {
            _log.LogError("Upload of {Key} failed: {Message}; the data is kept in {Path}", staged.Key, e.Message, staged.DataPath);
            throw new FuseException(Errno.EIO, e.Message);
        }
        finally
        {
            staged.Gate.Release();
        }
    }

    /// <summary>
    /// A handle on a staged file closed: the last one uploads what is left and removes the local
    /// copy; should the upload fail, it is retried in the background (see UploadRetries).
    /// </summary>
    private async Task Unstage(Inode inode, StagedFile staged, bool closing)
    {
        try
        {
            if (staged.Dirty && !staged.Deleted) await Upload(inode, staged, CancellationToken.None);
        }
        catch (FuseException)
        {
            // Logged by Upload; the staged copy stays for the next attempt or the next mount.
        }
        await staged.Gate.WaitAsync();
        try
        {
            if (closing) staged.OpenHandles--;
            if (staged.OpenHandles > 0) return;
            if (staged.Dirty && !staged.Deleted && staged.WriteFailure is null)
            {
                _retries.Add(inode.Id, staged, () => RetryUploadAsync(inode, staged));
                return;
            }
            if (staged.Dirty && staged.WriteFailure != null)
                _log.LogError("{Key} was not uploaded: a write to it failed; its local copy is removed", staged.Key);
            _staged.TryRemove(new KeyValuePair<ulong, StagedFile>(inode.Id, staged));
            staged.Discard();
        }
        finally
        {
            staged.Gate.Release();
        }
    }

    /// <summary>An upload once the mount has ended: no handle is open any more, whatever the kernel last said.</summary>
    private async Task<bool> FinalUploadAsync(Inode inode, StagedFile staged)
    {
        try
        {
            await Upload(inode, staged, CancellationToken.None);
        }
        catch (FuseException)
        {
            return false;
        }
        staged.Discard();
        return true;
    }

    /// <summary>
    /// One background attempt at a closed file's upload; true when nothing is left to do (stored,
    /// or taken over by a new open, whose close uploads). Once the mount has ended no handle is
    /// open, whatever the kernel last said (a RELEASE it never sent).
    /// </summary>
    private async Task<bool> RetryUploadAsync(Inode inode, StagedFile staged)
    {
        if (staged.Discarded) return true;
        if (staged.OpenHandles > 0 && !_ending) return true;
        if (_ending) return await FinalUploadAsync(inode, staged);
        await Unstage(inode, staged, closing: false);
        return staged.Discarded || !staged.Dirty;
    }
}
