using System.Text.Json;
using Bucketfs.ObjectStore;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Core.Write;

/// <summary>
/// The local copy of a file being changed: one per inode, shared by all its handles, so they see
/// each other's writes. Only the ranges that are read or written are local; the rest still comes
/// from the base version (the object as it was when staging began), fetched with If-Match when
/// needed. A manifest beside the data says which object and version it belongs to, so a new mount
/// can finish the upload after a crash.
/// </summary>
internal sealed class StagedFile : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly RangeSet _present = new();
    private readonly RangeSet _written = new();
    private readonly Lock _manifestLock = new();
    private long _manifestSavedAt;

    private StagedFile(string key, string dataPath, SafeFileHandle file, StagedManifest manifest)
    {
        Key = key;
        DataPath = dataPath;
        _file = file;
        Manifest = manifest;
    }

    /// <summary>Serializes fetches, writes and uploads of this file.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public string Key { get; private set; }
    public string DataPath { get; }

    /// <summary>The key and where its data is kept, as messages name a file not yet uploaded.</summary>
    public string Described => $"{Key} (kept in {DataPath})";
    public string ManifestPath => DataPath + ".json";
    public StagedManifest Manifest { get; }

    public long Size { get; private set; }

    /// <summary>Changed since the last successful upload.</summary>
    public bool Dirty { get; private set; }

    public int OpenHandles;

    /// <summary>The upload that follows a file written in order, while there is one.</summary>
    public StreamingUpload? Stream { get; set; }

    /// <summary>The file was unlinked while staged: nothing may be uploaded any more.</summary>
    public bool Deleted { get; set; }

    /// <summary>
    /// The upload stamps the mtime with now: the content changed (a write or truncate) since the
    /// last explicit utimens. Not before: a copy only opened, or only chmod'ed, keeps its version's mtime.
    /// </summary>
    public bool MtimeFromWrites { get; set; }

    /// <summary>
    /// Why a write to the local copy failed (ENOSPC, EIO), once one has: the copy then has a hole
    /// where data was refused, so nothing of it may be published, and every close() says so.
    /// </summary>
    public FileSystemError? WriteFailure { get; private set; }

    public void Failed(FileSystemError error) => WriteFailure ??= error;

    /// <summary>Bytes below this come from the base object unless written; above it the file is local only.</summary>
    private long BaseLimit => Manifest.BaseETag is null ? 0 : Math.Min(Manifest.BaseSize, _baseLimit);
    private long _baseLimit = long.MaxValue;

    public static StagedFile Create(string directory, string store, string key, string? baseETag, long baseSize, IReadOnlyDictionary<string, string> metadata)
    {
        Directory.CreateDirectory(directory);
        string dataPath = Path.Combine(directory, Guid.NewGuid().ToString("N"));
        var file = File.OpenHandle(dataPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        var manifest = new StagedManifest
        {
            Key = key, BaseETag = baseETag, BaseSize = baseSize, Metadata = new Dictionary<string, string>(metadata),
            Store = store, Started = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        };
        var staged = new StagedFile(key, dataPath, file, manifest) { Size = baseETag is null ? 0 : baseSize };
        RandomAccess.SetLength(file, staged.Size);
        staged.SaveManifest();
        return staged;
    }

    /// <summary>Reopens a staged file a previous mount left, as its manifest describes it.</summary>
    public static StagedFile Reopen(string manifestPath)
    {
        var manifest = JsonSerializer.Deserialize(File.ReadAllText(manifestPath), StagedManifestJson.Default.StagedManifest)
            ?? throw new InvalidDataException($"{manifestPath} is empty");
        string dataPath = manifestPath[..^".json".Length];
        var file = File.OpenHandle(dataPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var staged = new StagedFile(manifest.Key, dataPath, file, manifest) { Size = RandomAccess.GetLength(file), Dirty = manifest.Dirty };
        foreach (var range in manifest.Present) staged._present.Add(range[0], range[1]);
        foreach (var range in manifest.Written) staged._written.Add(range[0], range[1]);
        return staged;
    }

    /// <summary>A fresh, empty version (O_TRUNC or a new file): nothing of the base is needed.</summary>
    public void Truncate(long length)
    {
        Unacknowledged();
        Stream?.Changed(length);
        if (length < Size)
        {
            _present.Truncate(length);
            _written.Truncate(length);
            _baseLimit = Math.Min(_baseLimit, length);
        }
        else
        {
            // Growing exposes zeros, never the base's old bytes.
            _present.Add(Size, length);
            _written.Add(Size, length);
        }
        Size = length;
        RandomAccess.SetLength(_file, length);
        Dirty = true;
        MtimeFromWrites = true;
        SaveManifest();
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        Unacknowledged();
        bool wasDirty = Dirty;
        int rangesBefore = _written.Ranges.Count;
        Stream?.Changed(offset);
        RandomAccess.Write(_file, data, offset);
        if (offset > Size)
        {
            _present.Add(Size, offset);
            _written.Add(Size, offset);
        }
        _present.Add(offset, offset + data.Length);
        _written.Add(offset, offset + data.Length);
        Size = Math.Max(Size, offset + data.Length);
        Dirty = true;
        MtimeFromWrites = true;
        // The manifest follows the data closely enough for recovery without a write per request:
        // at once when the file becomes dirty or gains a new written range, otherwise once a second.
        if (!wasDirty || _written.Ranges.Count != rangesBefore || Environment.TickCount64 - _manifestSavedAt > 1000) SaveManifest();
    }

    /// <summary>Reads local bytes, first fetching from the base version whatever of the range is not local yet.</summary>
    public async Task<int> ReadAsync(IObjectStore store, long offset, Memory<byte> destination, CancellationToken cancellation)
    {
        long end = Math.Min(offset + destination.Length, Size);
        if (end <= offset) return 0;
        await FetchAsync(store, offset, end, cancellation).ConfigureAwait(false);
        return RandomAccess.Read(_file, destination.Span[..(int)(end - offset)], offset);
    }

    /// <summary>Makes [start, end) local, fetching the parts that come from the base version.</summary>
    public async Task FetchAsync(IObjectStore store, long start, long end, CancellationToken cancellation)
    {
        long limit = Math.Min(end, BaseLimit);
        foreach (var (s, e) in _present.Missing(start, limit))
        {
            var buffer = new byte[e - s];
            int n = await store.ReadAsync(Manifest.Key, s, buffer, Manifest.BaseETag, cancellation).ConfigureAwait(false);
            if (n != buffer.Length)
                throw new ObjectStoreException(StoreError.PreconditionFailed, $"{Manifest.Key} is shorter than when it was opened");
            RandomAccess.Write(_file, buffer, s);
            _present.Add(s, e);
        }
        // Past the base everything is local (zeros where never written).
        if (end > limit) _present.Add(Math.Max(start, limit), end);
    }

    /// <summary>Whether [start, end) is still exactly the base version's bytes (a server-side copy can stand in for it).</summary>
    public bool IsUnchangedBase(long start, long end) => Manifest.BaseETag != null && end <= BaseLimit && !_written.Overlaps(start, end);

    public int ReadLocal(long offset, Span<byte> destination) => RandomAccess.Read(_file, destination, offset);

    /// <summary>Every byte is local and was written here, in one run from offset 0: nothing comes from a base version.</summary>
    public bool IsWrittenFromStart => BaseLimit == 0 && (Size == 0 || _written.Ranges is [(0, var end)] && end == Size);

    /// <summary>The upload of this content succeeded: it is now the base version.</summary>
    public void Uploaded(string etag, long uploadedSize)
    {
        Manifest.BaseETag = etag;
        Manifest.BaseSize = uploadedSize;
        _baseLimit = long.MaxValue;
        _written.Truncate(0);
        if (uploadedSize == Size) Dirty = false;
        SaveManifest();
    }

    /// <summary>Metadata changed (chmod, chown, utimens): the next upload carries it.</summary>
    public void SetMetadata(Dictionary<string, string> metadata, bool explicitMtime)
    {
        Unacknowledged();
        // A multipart upload carries the metadata it was started with: a streamed one cannot take this.
        Stream?.Changed(0);
        Manifest.Metadata = metadata;
        if (explicitMtime) MtimeFromWrites = false;
        Dirty = true;
    }

    public void Renamed(string key)
    {
        Key = key;
        Manifest.Key = key;
        SaveManifest();
    }

    /// <summary>
    /// A close() or fsync() is about to upload what is here: from now on, were the daemon to die,
    /// the next mount may upload this content, because a program was told it is (or will be) stored.
    /// </summary>
    public void Acknowledge()
    {
        if (Manifest.Acknowledged) return;
        Manifest.Acknowledged = true;
        SaveManifest();
    }

    /// <summary>
    /// A change no close() has covered yet. Recorded before the change reaches the data file, so a
    /// daemon killed in between never leaves unacknowledged bytes marked as acknowledged.
    /// </summary>
    private void Unacknowledged()
    {
        if (!Manifest.Acknowledged) return;
        Manifest.Acknowledged = false;
        SaveManifest();
    }

    /// <summary>
    /// A multipart upload of this file has started: recorded, so recovery can abort it should it
    /// never complete. False when the record could not be written (the upload goes on).
    /// </summary>
    public bool UploadStarted(string key, string uploadId) =>
        RecordUploads(uploads => uploads.Add(new StartedUpload(key, uploadId)));

    /// <summary>The multipart upload completed or was aborted.</summary>
    public bool UploadEnded(string uploadId) => RecordUploads(uploads => uploads.RemoveAll(u => u.UploadId == uploadId));

    /// <summary>
    /// Upload bookkeeping runs beside writes that hold the gate, so it writes the last snapshot of
    /// the ranges (taken under the gate) rather than reading them while they change.
    /// </summary>
    private bool RecordUploads(Action<List<StartedUpload>> change)
    {
        try
        {
            lock (_manifestLock)
            {
                change(Manifest.Uploads);
                WriteManifest();
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Takes a snapshot of the file's state (the caller holds the gate) and writes it.</summary>
    public void SaveManifest()
    {
        lock (_manifestLock)
        {
            Manifest.Size = Size;
            Manifest.Dirty = Dirty;
            Manifest.Written = [.. _written.Ranges.Select(r => new[] { r.Start, r.End })];
            Manifest.Present = [.. _present.Ranges.Select(r => new[] { r.Start, r.End })];
            WriteManifest();
        }
    }

    /// <summary>Writes the manifest whole or not at all (a new file renamed over the old), so a crash never leaves half of one.</summary>
    private void WriteManifest()
    {
        // A late upload bookkeeping call must not bring back the manifest of a removed copy.
        if (Discarded) return;
        string temporary = ManifestPath + ".new";
        File.WriteAllText(temporary, JsonSerializer.Serialize(Manifest, StagedManifestJson.Default.StagedManifest));
        File.Move(temporary, ManifestPath, overwrite: true);
        _manifestSavedAt = Environment.TickCount64;
    }

    /// <summary>The local copy is gone; whoever still holds this object must stage again.</summary>
    public bool Discarded { get; private set; }

    /// <summary>Removes the local copy (after a clean upload, or when the file is deleted).</summary>
    public void Discard()
    {
        lock (_manifestLock) Discarded = true;
        Dispose();
        File.Delete(ManifestPath);
        File.Delete(DataPath);
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>What a staged file is, kept beside its data as JSON for recovery after a crash.</summary>
internal sealed class StagedManifest
{
    public string Key { get; set; } = "";
    public string? BaseETag { get; set; }
    public long BaseSize { get; set; }
    public long Size { get; set; }
    public bool Dirty { get; set; }
    public Dictionary<string, string> Metadata { get; set; } = [];
    public long[][] Written { get; set; } = [];
    public long[][] Present { get; set; } = [];

    /// <summary>A close() or fsync() asked for this content to be stored (see StagedFile.Acknowledge).</summary>
    public bool Acknowledged { get; set; }

    /// <summary>Set by `bucketfs recover upload` for a file whose object changed: upload it over the newer object.</summary>
    public bool Overwrite { get; set; }

    /// <summary>Multipart uploads started for this file and not yet completed or aborted.</summary>
    public List<StartedUpload> Uploads { get; set; } = [];

    /// <summary>The bucket and prefix the key is in, for `bucketfs recover list`.</summary>
    public string Store { get; set; } = "";

    /// <summary>When staging began (Unix seconds), for `bucketfs recover list`.</summary>
    public long Started { get; set; }
}

internal sealed record StartedUpload(string Key, string UploadId);
