using Bucketfs.ObjectStore;

namespace Bucketfs.Core.Tests.Model;

/// <summary>Files held open across steps, in numbered slots, as a program keeps file descriptors.</summary>
internal sealed partial class MountDriver
{
    private const int OTrunc = 0x200;
    private readonly Dictionary<int, (ulong Handle, List<ulong> Nodes)> _open = [];

    public async Task OpenAsync(int slot, string path, OpenMode mode)
    {
        int first = _references.Count;
        ulong node = await ResolveAsync(path);
        int flags = mode switch { OpenMode.ReadOnly => 0, OpenMode.ReadWrite => ReadWrite, _ => ReadWrite | OTrunc };
        var opened = await Fs.OpenAsync(node, flags, CancellationToken.None);
        // The kernel keeps the node of an open file, and its dentry keeps its parents' (see ForgetAll).
        var kept = _references.GetRange(first, _references.Count - first);
        _references.RemoveRange(first, kept.Count);
        _open[slot] = (opened.Handle, kept);
    }

    public async Task WriteAsync(int slot, long offset, byte[] data) =>
        await Fs.WriteAsync(_open[slot].Handle, offset, data, CancellationToken.None);

    /// <summary>One READ request; a short answer means the end of the file.</summary>
    public async Task<byte[]> ReadAsync(int slot, long offset, int length)
    {
        ulong handle = _open[slot].Handle;
        var buffer = new byte[length];
        var start = Fs.BeginRead(handle, offset, length);
        var result = start.Ready ? new ReadResult(start.Lease, 0) : await Fs.FinishReadAsync(handle, start, buffer, CancellationToken.None);
        int read = result.Copied;
        if (result.Lease is { } lease)
            using (lease) read = lease.CopyTo(buffer);
        return buffer[..read];
    }

    public async Task SyncAsync(int slot) => await Fs.CommitAsync(_open[slot].Handle, CancellationToken.None);

    /// <summary>FLUSH then RELEASE, which the kernel sends whether or not FLUSH failed; then the node is forgotten.</summary>
    public async Task CloseAsync(int slot)
    {
        var (handle, nodes) = _open[slot];
        _open.Remove(slot);
        try
        {
            await Fs.CommitAsync(handle, CancellationToken.None);
        }
        finally
        {
            await Fs.ReleaseAsync(handle);
            foreach (var node in nodes) Fs.Forget(node, 1);
        }
    }

    /// <summary>How a handle reading a version that is no longer the object's may fail (ESTALE, or the store's refusal).</summary>
    public static bool IsVersionGone(Exception e) => e switch
    {
        FileSystemException f => f.Error is FileSystemError.Stale or FileSystemError.NotFound,
        ObjectStoreException s => s.Error is StoreError.PreconditionFailed or StoreError.NotFound,
        _ => false,
    };

    /// <summary>Whether a failure comes from a store call the test failed (see <see cref="Failing"/>), however it was wrapped.</summary>
    public static bool IsInjected(Exception? e) => e switch
    {
        null => false,
        ObjectStoreException { Error: StoreError.Unavailable } => true,
        AggregateException all => all.InnerExceptions.Any(IsInjected),
        _ => IsInjected(e.InnerException),
    };
}
