using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// A local folder. Files are written under a hidden temporary name and renamed into place once
/// whole, with the source's mtime and mode, so an interrupted copy never leaves a short file that
/// a re-run would take for done. Symbolic links are not followed.
/// </summary>
public sealed class LocalSide(string root) : ITransferSide
{
    private const string PartialSuffix = ".bucketfs-partial";
    private readonly string _root = Path.GetFullPath(root);

    public string Description => _root;

    public async IAsyncEnumerable<TransferEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellation)
    {
        if (!Directory.Exists(_root)) yield break;
        // Depth first, each folder's names sorted as keys sort: a folder "a" as "a/", so that
        // "a-b" comes before everything in "a" and "a0" after it, as in a store listing.
        var pending = new Stack<IEnumerator<(string Key, FileSystemInfo Info)>>();
        pending.Push(Children(_root, "").GetEnumerator());
        while (pending.Count > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            var current = pending.Peek();
            if (!current.MoveNext())
            {
                pending.Pop().Dispose();
                continue;
            }
            var (key, info) = current.Current;
            if (info is DirectoryInfo directory) pending.Push(Children(directory.FullName, key).GetEnumerator());
            else if (info is FileInfo file && !file.Name.EndsWith(PartialSuffix, StringComparison.Ordinal)) yield return Entry(key, file);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static IEnumerable<(string Key, FileSystemInfo Info)> Children(string path, string keyPrefix)
    {
        var children = new List<(string SortKey, FileSystemInfo Info)>();
        foreach (var info in new DirectoryInfo(path).EnumerateFileSystemInfos())
        {
            if (info.LinkTarget != null) continue;
            if (info is DirectoryInfo) children.Add((keyPrefix + info.Name + "/", info));
            else children.Add((keyPrefix + info.Name, info));
        }
        children.Sort((a, b) => KeyOrder.Instance.Compare(a.SortKey, b.SortKey));
        // A folder's sort key is also the key prefix of everything in it.
        foreach (var child in children) yield return child;
    }

    private static TransferEntry Entry(string key, FileInfo file) =>
        new(key, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), null) { Mode = Metadata.S3fsHeaders.RegularType | (uint)file.UnixFileMode };

    private string PathOf(string key) => Path.Combine(_root, key);

    public Task<TransferEntry?> StatAsync(string key, CancellationToken cancellation)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists && file.LinkTarget is null ? Entry(key, file) : null);
    }

    public async Task<string?> HashAsync(TransferEntry entry, CancellationToken cancellation)
    {
        await using var file = new FileStream(PathOf(entry.Key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await System.Security.Cryptography.MD5.HashDataAsync(file, cancellation).ConfigureAwait(false));
    }

    public async Task<ISourceReader> OpenAsync(TransferEntry entry, Memory<byte> start, CancellationToken cancellation)
    {
        var handle = File.OpenHandle(PathOf(entry.Key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        try
        {
            var reader = new LocalReader(handle, entry, (int)Math.Min(start.Length, entry.Size));
            await reader.ReadAsync(0, start[..reader.StartLength], cancellation).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public async Task<string?> WriteAsync(string key, ReadOnlyMemory<byte> content, TransferEntry source, CancellationToken cancellation)
    {
        await using var writer = (LocalWriter)await StartAsync(key, source, cancellation).ConfigureAwait(false);
        await writer.WritePartAsync(1, 0, content, cancellation).ConfigureAwait(false);
        await writer.CompleteAsync(cancellation).ConfigureAwait(false);
        return null;
    }

    public Task<IPartWriter> StartAsync(string key, TransferEntry source, CancellationToken cancellation)
    {
        string path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid().ToString("N")[..12]}{PartialSuffix}");
        var handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous, source.Size);
        return Task.FromResult<IPartWriter>(new LocalWriter(handle, temporary, path, source));
    }

    public Task DeleteAsync(string key, CancellationToken cancellation)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    private sealed class LocalReader(SafeFileHandle handle, TransferEntry entry, int startLength) : ISourceReader
    {
        public TransferEntry Entry => entry;

        public int StartLength => startLength;

        public async Task ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellation)
        {
            int filled = 0;
            while (filled < destination.Length)
            {
                int n = await RandomAccess.ReadAsync(handle, destination[filled..], offset + filled, cancellation).ConfigureAwait(false);
                if (n == 0) throw new IOException($"{entry.Key} ended after {offset + filled} bytes: it changed while being copied");
                filled += n;
            }
        }

        public ValueTask DisposeAsync()
        {
            handle.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class LocalWriter(SafeFileHandle handle, string temporary, string path, TransferEntry source) : IPartWriter
    {
        private bool _completed;

        public async Task<string?> WritePartAsync(int number, long offset, ReadOnlyMemory<byte> content, CancellationToken cancellation)
        {
            await RandomAccess.WriteAsync(handle, content, offset, cancellation).ConfigureAwait(false);
            return null;
        }

        public Task CompleteAsync(CancellationToken cancellation)
        {
            handle.Dispose();
            File.SetLastWriteTimeUtc(temporary, source.Modified.UtcDateTime);
            if (source.Mode is { } mode) File.SetUnixFileMode(temporary, (UnixFileMode)(mode & 0x1FF));
            File.Move(temporary, path, overwrite: true);
            _completed = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            handle.Dispose();
            if (!_completed) File.Delete(temporary);
            return ValueTask.CompletedTask;
        }
    }
}
