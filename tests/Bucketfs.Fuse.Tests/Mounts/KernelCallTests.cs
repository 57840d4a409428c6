using System.Text;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;

namespace Bucketfs.Fuse.Tests.Mounts;

/// <summary>What a filesystem asks of the kernel on its own: cache invalidation and passthrough backing files.</summary>
[Collection(MountCollection.Name)]
public sealed class KernelCallTests
{
    [Fact]
    public void InvalidatedInodeIsReadAgainFromTheDaemon()
    {
        var fs = new OneFileSystem("one");
        using var mount = TestMount.Start(fs);
        Assert.Equal("one", File.ReadAllText(mount["file"]));

        fs.Content = "two";
        Assert.Equal("one", File.ReadAllText(mount["file"])); // still the kernel's cached pages
        Assert.Equal(0, fs.Connection.InvalidateInode(OneFileSystem.FileNode));

        Assert.Equal("two", File.ReadAllText(mount["file"]));
    }

    [Fact]
    public void InvalidatedEntryIsLookedUpAgain()
    {
        var fs = new OneFileSystem("x");
        using var mount = TestMount.Start(fs);
        Assert.True(File.Exists(mount["file"]));
        Assert.True(File.Exists(mount["file"]));
        int lookups = fs.Lookups;

        Assert.Equal(0, fs.Connection.InvalidateEntry(1, "file"u8));

        Assert.True(File.Exists(mount["file"]));
        Assert.Equal(lookups + 1, fs.Lookups);
    }

    [Fact]
    public void PassthroughReadsNeverReachTheDaemon()
    {
        using var directory = TestDirectory.Create();
        string backing = Path.Combine(directory.Path, "backing");
        var bytes = new byte[3 << 20];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(backing, bytes);
        var fs = new OneFileSystem("") { BackingPath = backing, Size = bytes.Length };
        using var mount = TestMount.StartOn(directory, fs);
        Assert.True(fs.Connection.PassthroughEnabled, "running as root on kernel 6.9+, passthrough should be negotiated");

        Assert.Equal(bytes, File.ReadAllBytes(mount["file"]));
        Assert.Equal(0, fs.Reads);
    }

    /// <summary>A root holding one file, cached by the kernel for an hour unless told otherwise.</summary>
    private sealed class OneFileSystem(string content) : IFuseFileSystem
    {
        public const ulong FileNode = 2;
        private static readonly TimeSpan Long = TimeSpan.FromHours(1);
        private Microsoft.Win32.SafeHandles.SafeFileHandle? _backing;
        private int _backingId;

        public FuseConnection Connection = null!;
        public volatile string Content = content;
        public string? BackingPath;
        public long Size = -1;
        public int Lookups, Reads;

        public void Init(FuseConnection connection) => Connection = connection;

        public ValueTask Lookup(FuseRequest request, ulong parent, FuseName name)
        {
            Interlocked.Increment(ref Lookups);
            return name.ToString() == "file"
                ? request.ReplyEntry(new FuseEntry { NodeId = FileNode, Attr = Attributes(FileNode), EntryTimeout = Long, AttrTimeout = Long })
                : request.ReplyError(Errno.ENOENT);
        }

        public ValueTask GetAttr(FuseRequest request, ulong node, ulong? handle) => request.ReplyAttr(Attributes(node), Long);

        public ValueTask Open(FuseRequest request, ulong node, int flags)
        {
            if (BackingPath is null) return request.ReplyOpen(1, FuseOpenFlags.KeepCache);
            // The id must stay registered until the opener has used it: closed at release.
            _backing = File.OpenHandle(BackingPath);
            _backingId = Connection.OpenBackingFile(_backing);
            return request.ReplyOpen(1, FuseOpenFlags.Passthrough, _backingId);
        }

        public ValueTask Read(FuseRequest request, ulong node, ulong handle, long offset, int size)
        {
            Interlocked.Increment(ref Reads);
            var bytes = Encoding.UTF8.GetBytes(Content);
            return request.ReplyData(bytes.AsSpan((int)Math.Min(offset, bytes.Length)));
        }

        public ValueTask Release(FuseRequest request, ulong node, ulong handle, int flags)
        {
            if (_backing != null)
            {
                Connection.CloseBackingFile(_backingId);
                _backing.Dispose();
            }
            return request.ReplyOk();
        }

        private FuseAttr Attributes(ulong node) => node == FileNode
            ? new FuseAttr { Ino = node, Mode = 0x8000 | 0x1A4, Size = (ulong)(Size >= 0 ? Size : Encoding.UTF8.GetByteCount(Content)), Nlink = 1 }
            : new FuseAttr { Ino = node, Mode = 0x4000 | 0x1ED, Nlink = 2 };
    }
}
