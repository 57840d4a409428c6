using System.Collections.Concurrent;
using Bucketfs.Core.Metadata;
using Bucketfs.Core.Namespace;
using Bucketfs.Core.Read;
using Bucketfs.Fuse.Protocol;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Write;

/// <summary>What staging needs from the namespace: a file's current version, the metadata a new copy starts with, and word of what an upload stored.</summary>
internal interface IStagingNamespace
{
    Task<EntryAttributes?> CurrentAsync(Inode node, CancellationToken cancellation);

    Dictionary<string, string> StartingMetadata(Inode node, EntryAttributes? current);

    void Stored(Inode node, EntryAttributes stored);
}

/// <summary>
/// Files being changed: one staged copy per inode, shared by its handles, uploaded by close() and
/// fsync(), retried in the background when that fails, settled after a crash by recovery. Each
/// copy's fetches, writes and uploads are serialized by its gate, which only this class takes,
/// and no method returns holding it.
/// </summary>
internal sealed class Staging
{
    private readonly ConcurrentDictionary<ulong, (Inode Node, StagedFile File)> _staged = new();
    private readonly SemaphoreSlim _creating = new(1, 1);
    private readonly IObjectStore _store;
    private readonly string _directory;
    private readonly UploadTuning _tuning;
    private readonly IReadOnlyDictionary<string, string> _contentTypes;
    private readonly MemoryLimiter _memory;
    private readonly Uploader _uploader;
    private readonly UploadRetries _retries;
    private readonly IStagingNamespace _namespace;
    private readonly ILogger _log;
    private volatile bool _ending;

    public Staging(IObjectStore store, FilesystemOptions options, MemoryLimiter memory, IStagingNamespace names, ILogger log)
    {
        _store = store;
        _directory = options.StagingDirectory;
        _tuning = options.Upload;
        _memory = memory;
        _namespace = names;
        _log = log;
        _contentTypes = MimeTypes.Of(options.MimeTypesFile);
        _uploader = new Uploader(store, options.Upload, _contentTypes, memory, log);
        _retries = new UploadRetries(options.Time, options.Upload, log);
    }

    public bool Has(ulong id) => _staged.ContainsKey(id);

    /// <summary>Files with a staged copy now.</summary>
    public int Count => _staged.Count;

    /// <summary>Closed files whose upload is being retried, as "KEY (kept in PATH)".</summary>
    public IReadOnlyList<string> Pending => _retries.Files;

    /// <summary>What stat shows for a node: its staged copy's size and metadata while one exists.</summary>
    public EntryAttributes Effective(Inode node) =>
        _staged.TryGetValue(node.Id, out var entry)
            ? node.Attributes with { Size = entry.File.Size, Metadata = entry.File.Manifest.Metadata }
            : node.Attributes;

    /// <summary>The staged copy's metadata, when the node has one.</summary>
    public IReadOnlyDictionary<string, string>? Metadata(ulong id) => _staged.TryGetValue(id, out var entry) ? entry.File.Manifest.Metadata : null;

    /// <summary>Files created in the directory whose upload has not happened yet: no listing can show them.</summary>
    public IEnumerable<Inode> NewFilesIn(ulong directoryId)
    {
        foreach (var (_, (node, file)) in _staged)
            if (file.Manifest.BaseETag is null && node.ParentId == directoryId)
                yield return node;
    }

    /// <summary>Settles what a previous mount of this bucket left staged (see StagingRecovery).</summary>
    public Task<RecoveryResult> RecoverAsync(CancellationToken cancellation) =>
        new StagingRecovery(_store, _uploader, _log).RecoverAsync(_directory, cancellation);

    /// <summary>A file created here, empty and open once: its upload follows its writes.</summary>
    public StagedFile Create(Inode node, IReadOnlyDictionary<string, string> metadata)
    {
        var staged = StagedFile.Create(_directory, _store.Description, node.Path, null, 0, metadata);
        staged.Truncate(0);
        staged.Stream = NewStream(staged);
        staged.OpenHandles = 1;
        _staged[node.Id] = (node, staged);
        return staged;
    }

    /// <summary>A new handle on the node's staged copy (made from the current version on first need), truncated when asked.</summary>
    public Task<StagedFile> OpenAsync(Inode node, bool truncate, CancellationToken cancellation) =>
        ChangeAsync(node, staged =>
        {
            if (truncate)
            {
                staged.Truncate(0);
                if (staged.Stream is null or { Abandoned: true }) staged.Stream = NewStream(staged);
            }
            staged.OpenHandles++;
        }, cancellation);

    /// <summary>The node's staged copy while it has one: every handle of the node reads what any of them wrote.</summary>
    public StagedFile? CopyOf(ulong id) => _staged.TryGetValue(id, out var entry) ? entry.File : null;

    /// <summary>Reads the staged copy; null when the last close discarded it meanwhile (a handle that only borrowed it reads the object again).</summary>
    public async Task<int?> ReadAsync(StagedFile staged, long offset, Memory<byte> destination, CancellationToken cancellation)
    {
        await staged.Gate.WaitAsync(cancellation);
        try
        {
            if (staged.Discarded) return null;
            return await staged.ReadAsync(_store, offset, destination, cancellation);
        }
        finally
        {
            staged.Gate.Release();
        }
    }

    /// <summary>Writes to the local copy: at once when nothing else holds it and no upload follows the writes.</summary>
    public ValueTask WriteAsync(StagedFile staged, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellation)
    {
        if (staged.Stream != null || !staged.Gate.Wait(0)) return WriteLaterAsync(staged, offset, data, cancellation);
        try
        {
            WriteLocal(staged, offset, data.Span);
        }
        finally
        {
            staged.Gate.Release();
        }
        return ValueTask.CompletedTask;
    }

    private async ValueTask WriteLaterAsync(StagedFile staged, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellation)
    {
        await staged.Gate.WaitAsync(cancellation);
        try
        {
            WriteLocal(staged, offset, data.Span);
            if (staged.Stream is { } stream) await stream.AdvanceAsync(cancellation);
        }
        finally
        {
            staged.Gate.Release();
        }
    }

    /// <summary>
    /// A write the local copy refused (a full disk) fails this write, and the copy is never
    /// published: it has a hole where the data was refused.
    /// </summary>
    private void WriteLocal(StagedFile staged, long offset, ReadOnlySpan<byte> data)
    {
        if (staged.WriteFailure is { } failed) throw new FileSystemException(failed);
        try
        {
            staged.Write(offset, data);
        }
        catch (IOException e)
        {
            var error = e.HResult switch
            {
                Errno.ENOSPC => FileSystemError.NoSpace,
                Errno.EDQUOT => FileSystemError.QuotaExceeded,
                _ => FileSystemError.Io,
            };
            staged.Failed(error);
            throw new FileSystemException(error, $"Writing {staged.Key} to its local copy in {staged.DataPath} failed: {e.Message}; the file will not be uploaded, and its close() fails", e);
        }
    }

    /// <summary>close() and fsync(): what was written is in the bucket when this returns, or it throws why not.</summary>
    public async Task CommitAsync(Inode node, StagedFile staged, CancellationToken cancellation)
    {
        if (staged.WriteFailure is { } failed) throw new FileSystemException(failed);
        if (staged.Dirty) await UploadAsync(node, staged, cancellation);
    }

    /// <summary>
    /// A handle on the staged copy closed: the last one uploads what is left and removes the local
    /// copy; should the upload fail, it is retried in the background (see UploadRetries).
    /// </summary>
    public Task CloseAsync(Inode node, StagedFile staged) => UnstageAsync(node, staged, closing: true);

    /// <summary>truncate(2) and ftruncate(2); without an open handle there is no close() to upload at, so it happens now.</summary>
    public async Task TruncateAsync(Inode node, long size, CancellationToken cancellation)
    {
        var staged = await ChangeAsync(node, staged => staged.Truncate(size), cancellation);
        if (staged.OpenHandles == 0) await UnstageAsync(node, staged, closing: false);
    }

    /// <summary>
    /// Changes the metadata of the node's staged copy, when it has one; false when it has none, or
    /// the last close discarded it meanwhile (its upload is done: the caller changes the object).
    /// </summary>
    public async Task<bool> ChangeMetadataAsync(Inode node, Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>> change, bool explicitMtime, CancellationToken cancellation)
    {
        if (!_staged.TryGetValue(node.Id, out var entry)) return false;
        var staged = entry.File;
        await staged.Gate.WaitAsync(cancellation);
        bool kept = !staged.Discarded;
        try
        {
            if (kept) staged.SetMetadata(change(staged.Manifest.Metadata), explicitMtime);
        }
        finally
        {
            staged.Gate.Release();
        }
        if (kept && staged.OpenHandles == 0) await UnstageAsync(node, staged, closing: false);
        return kept;
    }

    /// <summary>The node is unlinked: nothing of it may be uploaded any more. False when it was never in the bucket (created here, not uploaded).</summary>
    public async Task<bool> UnlinkAsync(Inode node)
    {
        if (!_staged.TryGetValue(node.Id, out var entry)) return true;
        var staged = entry.File;
        staged.Deleted = true;
        await UnstageAsync(node, staged, closing: false);
        return staged.Manifest.BaseETag != null;
    }

    /// <summary>
    /// A rename is about to replace the node: nothing of its staged copy may be stored from now on
    /// (it would overwrite the renamed file); <see cref="Resume"/> undoes it if the rename fails.
    /// </summary>
    public async Task<bool> SuspendAsync(Inode node)
    {
        if (!_staged.TryGetValue(node.Id, out var entry)) return false;
        await entry.File.Gate.WaitAsync();
        entry.File.Deleted = true;
        entry.File.Gate.Release();
        return true;
    }

    public void Resume(Inode node)
    {
        if (_staged.TryGetValue(node.Id, out var entry)) entry.File.Deleted = false;
    }

    /// <summary>
    /// Before a rename of the node to <paramref name="key"/>: a file not uploaded yet simply gets its
    /// new key (true: nothing to copy); otherwise what is written goes up first, and the copy follows.
    /// </summary>
    public async Task<bool> RenameAsync(Inode node, string key, CancellationToken cancellation)
    {
        if (!_staged.TryGetValue(node.Id, out var entry)) return false;
        var staged = entry.File;
        // A copy with a hole where a write was refused must not reach the new name either.
        if (staged.WriteFailure is { } failed) throw new FileSystemException(failed);
        if (staged.Manifest.BaseETag is null && staged.Dirty)
        {
            staged.Renamed(key);
            return true;
        }
        await UploadAsync(node, staged, cancellation);
        staged.Renamed(key);
        return false;
    }

    /// <summary>
    /// Before a directory rename: what is written below it goes up first and every copy below takes
    /// its new key, so no later upload (a close, a retry) brings the old directory back.
    /// </summary>
    public async Task RenameBelowAsync(string fromPrefix, string toPrefix, CancellationToken cancellation)
    {
        foreach (var (_, (node, staged)) in _staged)
        {
            if (!staged.Key.StartsWith(fromPrefix, StringComparison.Ordinal)) continue;
            if (staged.WriteFailure is { } failed) throw new FileSystemException(failed);
            await UploadAsync(node, staged, cancellation);
            staged.Renamed(toPrefix + staged.Key[fromPrefix.Length..]);
        }
    }

    /// <summary>
    /// Once the mount has ended: uploads what closed files still have pending, for at most
    /// <paramref name="bound"/>; returns each file still not in the bucket as "KEY (kept in PATH)".
    /// </summary>
    public async Task<IReadOnlyList<string>> FinishAsync(TimeSpan bound)
    {
        // A close() whose upload failed just before the unmount may have had no RELEASE served
        // (the kernel sends it in the background): every file a close() acknowledged is pending.
        _ending = true;
        foreach (var (id, (node, staged)) in _staged)
            if (staged is { Dirty: true, Deleted: false, WriteFailure: null, Manifest.Acknowledged: true })
                _retries.Add(id, staged, () => FinalUploadAsync(node, staged));
        var left = await _retries.FinishAsync(bound);
        return [.. left.Select(f => f.Described)];
    }

    private StreamingUpload NewStream(StagedFile staged) => new(_store, staged, _tuning, _contentTypes, _memory, _log);

    /// <summary>Changes the node's staged copy under its gate, never one the last close has just discarded; returns the copy changed.</summary>
    private async Task<StagedFile> ChangeAsync(Inode node, Action<StagedFile> change, CancellationToken cancellation)
    {
        while (true)
        {
            var staged = await StageAsync(node, cancellation);
            await staged.Gate.WaitAsync(cancellation);
            try
            {
                if (staged.Discarded) continue;
                change(staged);
                return staged;
            }
            finally
            {
                staged.Gate.Release();
            }
        }
    }

    /// <summary>The node's staged copy, created from the current version on first need.</summary>
    private async Task<StagedFile> StageAsync(Inode node, CancellationToken cancellation)
    {
        await _creating.WaitAsync(cancellation);
        try
        {
            if (_staged.TryGetValue(node.Id, out var existing)) return existing.File;
            var current = await _namespace.CurrentAsync(node, cancellation);
            var metadata = _namespace.StartingMetadata(node, current);
            // Opening for writing changes nothing yet: until a write, the copy keeps the version's mtime.
            if (current != null)
                metadata[S3fsMetadata.MtimeName] = current.Metadata?.GetValueOrDefault(S3fsMetadata.MtimeName) ?? S3fsMetadata.Format(new UnixTime(current.Mtime.ToUnixTimeSeconds(), 0));
            var staged = StagedFile.Create(_directory, _store.Description, node.Path, current?.ETag, current?.Size ?? 0, metadata);
            if (current is null) staged.Truncate(0);
            _staged[node.Id] = (node, staged);
            return staged;
        }
        finally
        {
            _creating.Release();
        }
    }

    /// <summary>Uploads a staged copy; on failure the copy stays and the caller gets why (the store's refusal, or EIO).</summary>
    private async Task UploadAsync(Inode node, StagedFile staged, CancellationToken cancellation)
    {
        await staged.Gate.WaitAsync(cancellation);
        try
        {
            if (!staged.Dirty || staged.Deleted || staged.WriteFailure != null) return;
            staged.Acknowledge();
            if (staged.MtimeFromWrites) staged.Manifest.Metadata[S3fsMetadata.MtimeName] = S3fsMetadata.Format(UnixTime.Now);
            S3fsMetadata.Changed(staged.Manifest.Metadata);
            var info = await _uploader.UploadAsync(staged, cancellation);
            var stored = new EntryAttributes(node.Kind, info.Size, info.ETag, DateTimeOffset.UtcNow) { Metadata = new Dictionary<string, string>(staged.Manifest.Metadata) };
            _namespace.Stored(node, stored);
        }
        catch (ObjectStoreException e)
        {
            _memory.Metrics?.UploadFailed();
            throw new FileSystemException(FileSystemException.From(e.Error), $"Upload of {staged.Key} failed: {e.Message}; the data is kept in {staged.DataPath}", e);
        }
        finally
        {
            staged.Gate.Release();
        }
    }

    private async Task UnstageAsync(Inode node, StagedFile staged, bool closing)
    {
        try
        {
            if (staged.Dirty && !staged.Deleted) await UploadAsync(node, staged, CancellationToken.None);
        }
        catch (FileSystemException e)
        {
            // The staged copy stays for the next attempt or the next mount.
            _log.UploadFailed(e.Message);
        }
        await staged.Gate.WaitAsync();
        try
        {
            if (closing) staged.OpenHandles--;
            if (staged.OpenHandles > 0) return;
            if (staged.Dirty && !staged.Deleted && staged.WriteFailure is null)
            {
                _retries.Add(node.Id, staged, () => RetryUploadAsync(node, staged));
                return;
            }
            if (staged.Dirty && staged.WriteFailure != null)
                _log.WriteFailedCopyRemoved(staged.Key);
            _staged.TryRemove(new KeyValuePair<ulong, (Inode, StagedFile)>(node.Id, (node, staged)));
            staged.Discard();
        }
        finally
        {
            staged.Gate.Release();
        }
    }

    /// <summary>An upload once the mount has ended: no handle is open any more, whatever the kernel last said.</summary>
    private async Task<bool> FinalUploadAsync(Inode node, StagedFile staged)
    {
        try
        {
            await UploadAsync(node, staged, CancellationToken.None);
        }
        catch (FileSystemException e)
        {
            _log.UploadFailed(e.Message);
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
    private async Task<bool> RetryUploadAsync(Inode node, StagedFile staged)
    {
        if (staged.Discarded) return true;
        if (staged.OpenHandles > 0 && !_ending) return true;
        if (_ending) return await FinalUploadAsync(node, staged);
        await UnstageAsync(node, staged, closing: false);
        return staged.Discarded || !staged.Dirty;
    }
}
