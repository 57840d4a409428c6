using Bucketfs.Core.Metadata;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bucketfs.Core.Tests.Model;

/// <summary>
/// Drives the filesystem core as the kernel would: resolves paths by LOOKUP from the root, opens,
/// reads, writes, flushes and releases handles, and FORGETs every reference once a step is done.
/// Another client's changes go straight to the store; remounting makes a new core on the same bucket.
/// </summary>
internal sealed partial class MountDriver : IDisposable
{
    public const uint TypeMask = 0xF000, RegularType = 0x8000, DirectoryType = 0x4000, SymlinkType = 0xA000;
    public const uint UserId = 1000;
    private const int ReadWrite = 2;
    private static readonly Caller User = new(UserId, UserId);
    private readonly List<ulong> _references = [];
    private readonly string _staging = Path.Combine(Path.GetTempPath(), "bucketfs-model-" + Guid.NewGuid().ToString("N"));
    private readonly FilesystemOptions _options;

    public MountDriver()
    {
        _options = new FilesystemOptions { Uid = UserId, Gid = UserId, StagingDirectory = _staging, Time = Time, MetadataTtl = Ttl };
        Fs = new BucketFileSystem(Store, _options, NullLogger.Instance);
    }

    public static TimeSpan Ttl => TimeSpan.FromSeconds(1);

    public FakeTimeProvider Time { get; } = new();

    public MemoryObjectStore Store { get; } = new();

    public BucketFileSystem Fs { get; private set; }

    /// <summary>Another client's changes show once what the mount knows has expired.</summary>
    public void LetExpire() => Time.Advance(Ttl * 2);

    public async Task RemountAsync()
    {
        var left = await Fs.FinishUploadsAsync(TimeSpan.FromSeconds(5));
        if (left.Count > 0) throw new ModelMismatch($"uploads left at unmount: {string.Join(", ", left)}");
        Fs = new BucketFileSystem(Store, _options, NullLogger.Instance);
        await Fs.RecoverStagedAsync(CancellationToken.None);
    }

    /// <summary>
    /// The step is over: the kernel forgets every node it looked up. While a file is open its
    /// dentry pins its parents wherever a rename put it, so until the last file closes nothing is
    /// forgotten (a forgotten parent would give the open file's name a new node).
    /// </summary>
    public void ForgetAll()
    {
        if (_open.Count > 0) return;
        foreach (var node in _references) Fs.Forget(node, 1);
        _references.Clear();
    }

    public async Task<ulong> ResolveAsync(string path)
    {
        ulong node = 1;
        if (path.Length == 0) return node;
        foreach (var name in path.Split('/'))
            node = (await LookupAsync(node, name) ?? throw new ModelMismatch($"lookup of {name} in {path} found nothing")).NodeId;
        return node;
    }

    public async Task<NodeEntry?> LookupAsync(ulong parent, string name)
    {
        var entry = await Fs.LookupAsync(parent, name, CancellationToken.None);
        if (!entry.Exists) return null;
        _references.Add(entry.NodeId);
        return entry;
    }

    public async Task CreateAsync(string path, uint permissions, byte[] content)
    {
        var parent = await ResolveAsync(ReferenceModel.Parent(path));
        var (entry, handle) = await Fs.CreateAsync(parent, Name(path), RegularType | permissions, User, CancellationToken.None);
        _references.Add(entry.NodeId);
        await WriteAndCloseAsync(handle, 0, content);
    }

    public async Task WriteAsync(string path, long offset, byte[] data)
    {
        var opened = await Fs.OpenAsync(await ResolveAsync(path), ReadWrite, CancellationToken.None);
        await WriteAndCloseAsync(opened.Handle, offset, data);
    }

    private async Task WriteAndCloseAsync(ulong handle, long offset, byte[] data)
    {
        try
        {
            if (data.Length > 0) await Fs.WriteAsync(handle, offset, data, CancellationToken.None);
            await Fs.CommitAsync(handle, CancellationToken.None);
        }
        finally
        {
            await Fs.ReleaseAsync(handle);
        }
    }

    public async Task TruncateAsync(string path, long size) =>
        await Fs.SetAttributesAsync(await ResolveAsync(path), new SetAttrRequest { Valid = SetAttrValid.Size, Size = (ulong)size }, CancellationToken.None);

    public async Task ChmodAsync(string path, uint permissions) =>
        await Fs.SetAttributesAsync(await ResolveAsync(path), new SetAttrRequest { Valid = SetAttrValid.Mode, Mode = permissions }, CancellationToken.None);

    public async Task ChownAsync(string path, uint uid, uint gid) =>
        await Fs.SetAttributesAsync(await ResolveAsync(path), new SetAttrRequest { Valid = SetAttrValid.Uid | SetAttrValid.Gid, Uid = uid, Gid = gid }, CancellationToken.None);

    public async Task UtimensAsync(string path, long seconds) =>
        await Fs.SetAttributesAsync(await ResolveAsync(path), new SetAttrRequest { Valid = SetAttrValid.Mtime, Mtime = new UnixTime(seconds, 0) }, CancellationToken.None);

    public async Task RenameAsync(string from, string to) =>
        await Fs.RenameAsync(await ResolveAsync(ReferenceModel.Parent(from)), Name(from), await ResolveAsync(ReferenceModel.Parent(to)), Name(to), 0, CancellationToken.None);

    public async Task UnlinkAsync(string path) => await Fs.UnlinkAsync(await ResolveAsync(ReferenceModel.Parent(path)), Name(path), CancellationToken.None);

    public async Task RemoveDirectoryAsync(string path) => await Fs.RemoveDirectoryAsync(await ResolveAsync(ReferenceModel.Parent(path)), Name(path), CancellationToken.None);

    public async Task MakeDirectoryAsync(string path, uint permissions) =>
        _references.Add((await Fs.MakeDirectoryAsync(await ResolveAsync(ReferenceModel.Parent(path)), Name(path), permissions, User, CancellationToken.None)).NodeId);

    public async Task SymlinkAsync(string path, byte[] target) =>
        _references.Add((await Fs.SymlinkAsync(await ResolveAsync(ReferenceModel.Parent(path)), Name(path), target, User, CancellationToken.None)).NodeId);

    public async Task<NodeEntry> MakeNodeAsync(string path, uint mode, uint rdev = 0)
    {
        var entry = await Fs.MakeNodeAsync(await ResolveAsync(ReferenceModel.Parent(path)), Name(path), mode, rdev, User, CancellationToken.None);
        _references.Add(entry.NodeId);
        return entry;
    }

    public async Task<FuseAttr> StatAsync(string path) => (await Fs.GetAttrAsync(await ResolveAsync(path), CancellationToken.None)).Attr;

    /// <summary>The whole file through one read-only handle, in reads of the kernel's usual size.</summary>
    public async Task<byte[]> ReadAsync(ulong node)
    {
        var opened = await Fs.OpenAsync(node, 0, CancellationToken.None);
        var content = new MemoryStream();
        var buffer = new byte[128 << 10];
        try
        {
            while (true)
            {
                var start = Fs.BeginRead(opened.Handle, content.Length, buffer.Length);
                var result = start.Ready ? new ReadResult(start.Lease, 0) : await Fs.FinishReadAsync(opened.Handle, start, buffer, CancellationToken.None);
                int read = result.Copied;
                if (result.Lease is { } lease)
                    using (lease) read = lease.CopyTo(buffer);
                if (read == 0) return content.ToArray();
                content.Write(buffer, 0, read);
            }
        }
        finally
        {
            await Fs.ReleaseAsync(opened.Handle);
        }
    }

    public async Task<byte[]> ReadLinkAsync(ulong node) => await Fs.ReadLinkAsync(node, CancellationToken.None);

    /// <summary>The names a READDIR of the directory shows, without "." and "..".</summary>
    public async Task<List<string>> ListAsync(ulong node)
    {
        var names = new List<string>();
        ulong handle = Fs.OpenDirectory(node);
        try
        {
            await Fs.ReadDirectoryAsync(handle, 0, plus: false, (string name, in NodeEntry _, ulong _) =>
            {
                if (name is not "." and not "..") names.Add(name);
                return true;
            }, CancellationToken.None);
        }
        finally
        {
            Fs.ReleaseDirectory(handle);
        }
        return names;
    }

    public static ModelKind KindOf(in NodeEntry entry) => (entry.Attr.Mode & TypeMask) switch
    {
        DirectoryType => ModelKind.Directory,
        SymlinkType => ModelKind.Symlink,
        _ => ModelKind.File,
    };

    private static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    public void Dispose()
    {
        if (Directory.Exists(_staging)) Directory.Delete(_staging, recursive: true);
    }
}

/// <summary>What the mount showed differs from what a user must see.</summary>
internal sealed class ModelMismatch(string message) : Exception(message);
