using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;

namespace Bucketfs.Fuse.Tests.Mounts;

/// <summary>A read stuck in the daemon must give way when the reading process gets a signal.</summary>
[Collection(MountCollection.Name)]
public sealed class InterruptTests
{
    [Fact]
    public void SignalledReaderIsAnsweredEintrAndTheHandlerSeesCancellation()
    {
        var fs = new BlockingFileSystem();
        using var mount = TestMount.Start(fs);
        using var reader = Tool.Start("dd", [$"if={mount["blocked"]}", "of=/dev/null", "bs=4096", "count=1"]);
        Assert.True(fs.ReadStarted.Wait(TimeSpan.FromSeconds(20)), "the read never reached the daemon");

        Tool.Signal(reader.Id, "INT");

        Assert.True(reader.WaitForExit(TimeSpan.FromSeconds(20)), "the reader still hangs after SIGINT");
        Assert.True(fs.ReadCancelled.Wait(TimeSpan.FromSeconds(5)), "the handler's token was not cancelled");
    }

    /// <summary>One file whose reads wait until they are cancelled; opened with direct I/O so the read is the caller's own request.</summary>
    private sealed class BlockingFileSystem : IFuseFileSystem
    {
        private const ulong FileNode = 2;
        public readonly ManualResetEventSlim ReadStarted = new();
        public readonly ManualResetEventSlim ReadCancelled = new();

        public ValueTask Lookup(FuseRequest request, ulong parent, FuseName name) =>
            name.ToString() == "blocked"
                ? request.ReplyEntry(new FuseEntry { NodeId = FileNode, Attr = Attributes(FileNode), EntryTimeout = TimeSpan.FromSeconds(1), AttrTimeout = TimeSpan.FromSeconds(1) })
                : request.ReplyError(Errno.ENOENT);

        public ValueTask GetAttr(FuseRequest request, ulong node, ulong? handle) =>
            request.ReplyAttr(Attributes(node), TimeSpan.FromSeconds(1));

        public ValueTask Open(FuseRequest request, ulong node, int flags) => request.ReplyOpen(1, FuseOpenFlags.DirectIo);

        public async ValueTask Read(FuseRequest request, ulong node, ulong handle, long offset, int size)
        {
            ReadStarted.Set();
            try
            {
                await Task.Delay(Timeout.Infinite, request.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                ReadCancelled.Set();
                throw;
            }
        }

        private static FuseAttr Attributes(ulong node) => node == FileNode
            ? new FuseAttr { Ino = node, Mode = 0x8000 | 0x1A4, Size = 1 << 20, Nlink = 1 }
            : new FuseAttr { Ino = node, Mode = 0x4000 | 0x1ED, Nlink = 2 };
    }
}
