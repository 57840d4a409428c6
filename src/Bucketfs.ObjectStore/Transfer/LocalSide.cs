using System.Runtime.CompilerServices;
using System.Text;
using Bucketfs.ObjectStore.Metadata;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// A local folder. Files are written under a hidden temporary name and renamed into place once
/// whole, with the source's mtime, mode and (as root) owner, so an interrupted copy never leaves a
/// short file that a re-run would take for done. Empty folders are listed as "dir/" and symbolic
/// links as links (their target as their bytes), as s3fs stores both; with
/// <paramref name="followLinks"/> links are followed instead (rclone's --copy-links), as files and
/// folders. FIFOs, sockets and devices are left out.
/// </summary>
public sealed partial class LocalSide(string root, bool followLinks = false) : ITransferSide
{
    private const string PartialSuffix = ".bucketfs-partial";
    private static readonly string EmptyMd5 = ContentHash.Md5([]);
    private readonly string _root = Path.GetFullPath(root);

    public string Description => _root;

    public async IAsyncEnumerable<TransferEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellation)
    {
        if (!Directory.Exists(_root)) yield break;
        // Depth first, each folder's names sorted as keys sort: a folder "a" as "a/", so that
        // "a-b" comes before everything in "a" and "a0" after it, as in a store listing. The
        // folders being walked are kept by identity, so a followed link back up is not walked again.
        var pending = new Stack<(IEnumerator<(string Key, string Path)> Children, (uint, uint, ulong) Identity)>();
        pending.Push((Children(_root, "").AsEnumerable().GetEnumerator(), LocalInodes.Stat(_root, follow: true)?.Identity ?? default));
        while (pending.Count > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            var current = pending.Peek().Children;
            if (!current.MoveNext())
            {
                pending.Pop();
                continue;
            }
            var (key, path) = current.Current;
            if (Entry(key, path) is not { } entry) continue;
            if (!entry.IsFolder)
            {
                yield return entry;
                continue;
            }
            if (LocalInodes.Stat(path, follow: true)?.Identity is not { } identity || pending.Any(p => p.Identity == identity)) continue;
            var children = Children(path, key);
            if (children.Count > 0) pending.Push((children.AsEnumerable().GetEnumerator(), identity));
            else yield return entry;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>The names in a folder, sorted by key: a folder's key ends in '/', which is also the key prefix of everything in it.</summary>
    private List<(string Key, string Path)> Children(string path, string keyPrefix)
    {
        var children = new List<(string Key, string Path)>();
        foreach (var info in new DirectoryInfo(path).EnumerateFileSystemInfos())
        {
            if (info.Name.EndsWith(PartialSuffix, StringComparison.Ordinal)) continue;
            bool folder = info.LinkTarget is null ? info is DirectoryInfo : followLinks && Directory.Exists(info.FullName);
            children.Add((keyPrefix + info.Name + (folder ? "/" : ""), info.FullName));
        }
        children.Sort((a, b) => KeyOrder.Instance.Compare(a.Key, b.Key));
        return children;
    }

    /// <summary>The entry of a file, link or folder, or null when it is gone, of another type, or not what the key says (a folder or not).</summary>
    private TransferEntry? Entry(string key, string path)
    {
        if (LocalInodes.Stat(path, followLinks) is not { } inode) return null;
        uint type = inode.Mode & S3fsHeaders.TypeMask;
        if (type is not (S3fsHeaders.RegularType or S3fsHeaders.DirectoryType or S3fsHeaders.SymlinkType)) return null;
        if (type == S3fsHeaders.DirectoryType != TransferEntry.IsFolderKey(key)) return null;
        // A link's size is its target's length in bytes, which is what is stored.
        long size = type == S3fsHeaders.DirectoryType ? 0 : inode.Size;
        return new TransferEntry(key, size, inode.Modified, null) { Mode = inode.Mode, Uid = inode.Uid, Gid = inode.Gid };
    }

    private string PathOf(string key) => Path.Combine(_root, key.TrimEnd('/'));

    public Task<TransferEntry?> StatAsync(string key, CancellationToken cancellation) => Task.FromResult(Entry(key, PathOf(key)));

    public async Task<string?> HashAsync(TransferEntry entry, CancellationToken cancellation)
    {
        if (entry.IsFolder) return EmptyMd5;
        if (entry.IsSymlink) return ContentHash.Md5(LinkTarget(entry));
        await using var file = new FileStream(PathOf(entry.Key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await System.Security.Cryptography.MD5.HashDataAsync(file, cancellation).ConfigureAwait(false));
    }

    /// <summary>A link's target as its bytes; it must still be as long as listed.</summary>
    private byte[] LinkTarget(TransferEntry entry)
    {
        byte[] target = Encoding.UTF8.GetBytes(new FileInfo(PathOf(entry.Key)).LinkTarget ?? throw new IOException($"{entry.Key} is no longer a link"));
        return target.Length == entry.Size ? target : throw new IOException($"{entry.Key} changed while being copied");
    }

    public async Task<ISourceReader> OpenAsync(TransferEntry entry, Memory<byte> start, CancellationToken cancellation)
    {
        if (entry.IsFolder || entry.IsSymlink)
        {
            byte[] bytes = entry.IsFolder ? [] : LinkTarget(entry);
            var reader = new BytesReader(entry, bytes, Math.Min(start.Length, bytes.Length));
            bytes.AsSpan(0, reader.StartLength).CopyTo(start.Span);
            return reader;
        }
        var handle = File.OpenHandle(PathOf(entry.Key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        try
        {
            var reader = new FileReader(handle, entry, (int)Math.Min(start.Length, entry.Size));
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
        if (TransferEntry.IsFolderKey(key))
        {
            MakeFolder(key, source);
            return null;
        }
        if (source.IsSymlink)
        {
            MakeLink(key, Encoding.UTF8.GetString(content.Span), source);
            return null;
        }
        await using var writer = (FileWriter)await StartAsync(key, source, cancellation).ConfigureAwait(false);
        await writer.WritePartAsync(1, 0, content, cancellation).ConfigureAwait(false);
        await writer.CompleteAsync(cancellation).ConfigureAwait(false);
        return null;
    }

    public Task<IPartWriter> StartAsync(string key, TransferEntry source, CancellationToken cancellation)
    {
        string path = PathOf(key);
        string temporary = Temporary(path);
        var handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous, source.Size);
        return Task.FromResult<IPartWriter>(new FileWriter(handle, temporary, path, source));
    }

    /// <summary>A hidden name beside <paramref name="path"/> (its folder made if need be) for a file until it is whole.</summary>
    private static string Temporary(string path)
    {
        string folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid().ToString("N")[..12]}{PartialSuffix}");
    }

    /// <summary>A folder gone from the source goes only once empty: what is in it may be excluded from the sync.</summary>
    public Task DeleteAsync(string key, CancellationToken cancellation)
    {
        string path = PathOf(key);
        if (!TransferEntry.IsFolderKey(key)) File.Delete(path);
        else if (Directory.Exists(path) && !Directory.EnumerateFileSystemEntries(path).Any()) Directory.Delete(path);
        return Task.CompletedTask;
    }

    /// <summary>Owner (as root: only root may give files away), permissions and modification time of the source, on a file or link not yet in place.</summary>
    private static void Apply(string path, TransferEntry source, bool link)
    {
        if (LocalInodes.IsRoot && source.Uid is { } uid && source.Gid is { } gid) LocalInodes.SetOwner(path, uid, gid);
        // A link's own permissions mean nothing on Linux.
        if (!link && source.Mode is { } mode) File.SetUnixFileMode(path, (UnixFileMode)(mode & 0x1FF));
        LocalInodes.SetModified(path, source.Modified);
    }

    private sealed class BytesReader(TransferEntry entry, byte[] bytes, int startLength) : ISourceReader
    {
        public TransferEntry Entry => entry;

        public int StartLength => startLength;

        public Task ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellation)
        {
            bytes.AsMemory((int)offset, destination.Length).CopyTo(destination);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
