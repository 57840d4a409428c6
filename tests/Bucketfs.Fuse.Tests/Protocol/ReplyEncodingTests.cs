using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;

namespace Bucketfs.Fuse.Tests.Protocol;

/// <summary>Replies decoded byte by byte at the offsets of include/uapi/linux/fuse.h.</summary>
public sealed class ReplyEncodingTests : IDisposable
{
    private readonly WireHarness _wire = new();

    public void Dispose() => _wire.Dispose();

    /// <summary>Serves a LOOKUP of "x" under node <paramref name="node"/> answered by <paramref name="respond"/>; returns the one reply.</summary>
    private Reply Answer(Func<FuseRequest, ValueTask> respond, ulong unique = 0x0102_0304_0506_0708, ulong node = 1)
    {
        _wire.Fs.Respond = (r, _) => respond(r);
        Assert.True(_wire.Send(FuseOpcode.Lookup, unique, node, new Body().Name("x")));
        var reply = _wire.Receive();
        Assert.Equal(unique, reply.Unique);
        Assert.Equal((uint)reply.Bytes.Length, reply.Length);
        return reply;
    }

    internal static FuseAttr SampleAttr(ulong ino) => new()
    {
        Ino = ino, Size = 0x1_0000_0001, Blocks = 9, Atime = 1_600_000_001, Mtime = 1_600_000_002, Ctime = 1_600_000_003,
        AtimeNsec = 101, MtimeNsec = 202, CtimeNsec = 303, Mode = 0x81A4, Nlink = 2, Uid = 1000, Gid = 100,
        Rdev = 0x0801, BlkSize = 4096, Flags = 0,
    };

    /// <summary>Checks a fuse_attr at <paramref name="at"/> in the payload.</summary>
    internal static void AssertAttr(Reply reply, int at, ulong ino)
    {
        Assert.Equal(ino, reply.U64(at + 0));
        Assert.Equal(0x1_0000_0001ul, reply.U64(at + 8));
        Assert.Equal(9ul, reply.U64(at + 16));
        Assert.Equal((1_600_000_001ul, 1_600_000_002ul, 1_600_000_003ul), (reply.U64(at + 24), reply.U64(at + 32), reply.U64(at + 40)));
        Assert.Equal((101u, 202u, 303u), (reply.U32(at + 48), reply.U32(at + 52), reply.U32(at + 56)));
        Assert.Equal(0x81A4u, reply.U32(at + 60));
        Assert.Equal(2u, reply.U32(at + 64));
        Assert.Equal((1000u, 100u), (reply.U32(at + 68), reply.U32(at + 72)));
        Assert.Equal(0x0801u, reply.U32(at + 76));
        Assert.Equal(4096u, reply.U32(at + 80));
        Assert.Equal(0u, reply.U32(at + 84));
    }

    [Fact]
    public void ReplyOkIsABareHeaderWithTheRequestsUnique()
    {
        var reply = Answer(r => r.ReplyOk());

        Assert.Equal(16u, reply.Length);
        Assert.Equal(0, reply.Error);
        Assert.Equal(16, reply.Bytes.Length);
    }

    [Theory]
    [InlineData(Errno.ENOENT)]
    [InlineData(-Errno.ENOENT)]
    [InlineData(Errno.ENOTEMPTY)]
    public void ReplyErrorSendsTheNegatedErrnoAndNoPayload(int errno)
    {
        var reply = Answer(r => r.ReplyError(errno));

        Assert.Equal(-Math.Abs(errno), reply.Error);
        Assert.Equal(16u, reply.Length);
        Assert.Empty(reply.Payload);
    }

    [Fact]
    public void ReplyEntryWritesEntryOutWithTimeoutsSplitIntoSecondsAndNanoseconds()
    {
        var entry = new FuseEntry
        {
            NodeId = 77, Generation = 3, Attr = SampleAttr(0),
            EntryTimeout = TimeSpan.FromMilliseconds(1500),
            AttrTimeout = TimeSpan.FromTicks(2 * TimeSpan.TicksPerSecond + 1_234_567),
        };

        var reply = Answer(r => r.ReplyEntry(entry));

        Assert.Equal((uint)(16 + Wire.EntryOut), reply.Length);
        Assert.Equal(77ul, reply.U64(0));           // nodeid
        Assert.Equal(3ul, reply.U64(8));            // generation
        Assert.Equal(1ul, reply.U64(16));           // entry_valid
        Assert.Equal(2ul, reply.U64(24));           // attr_valid
        Assert.Equal(500_000_000u, reply.U32(32));  // entry_valid_nsec
        Assert.Equal(123_456_700u, reply.U32(36));  // attr_valid_nsec
        AssertAttr(reply, 40, ino: 77);             // ino defaults to the node id
    }

    [Fact]
    public void ReplyEntryKeepsAnExplicitInode()
    {
        var reply = Answer(r => r.ReplyEntry(new FuseEntry { NodeId = 77, Attr = SampleAttr(1234) }));

        Assert.Equal(77ul, reply.U64(0));
        Assert.Equal(1234ul, reply.U64(40));
    }

    [Fact]
    public void NegativeEntryHasNodeZeroAndOnlyAnEntryTimeout()
    {
        var reply = Answer(r => r.ReplyEntry(FuseEntry.Negative(TimeSpan.FromSeconds(10))));

        Assert.Equal((uint)(16 + Wire.EntryOut), reply.Length);
        Assert.Equal(0, reply.Error);
        Assert.Equal((0ul, 10ul, 0ul, 0u, 0u), (reply.U64(0), reply.U64(16), reply.U64(24), reply.U32(32), reply.U32(36)));
        Assert.All(reply.Payload[40..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void NegativeTimeoutsAreSentAsZero()
    {
        var reply = Answer(r => r.ReplyEntry(new FuseEntry { NodeId = 5, EntryTimeout = TimeSpan.FromSeconds(-1), AttrTimeout = TimeSpan.MinValue }));

        Assert.Equal((0ul, 0ul, 0u, 0u), (reply.U64(16), reply.U64(24), reply.U32(32), reply.U32(36)));
    }

    [Fact]
    public void ReplyAttrWritesAttrOutWithInodeDefaultingToTheRequestsNode()
    {
        var reply = Answer(r => r.ReplyAttr(SampleAttr(0), TimeSpan.FromTicks(3 * TimeSpan.TicksPerSecond + 7)), node: 0x55);

        Assert.Equal((uint)(16 + Wire.AttrOut), reply.Length);
        Assert.Equal(3ul, reply.U64(0));   // attr_valid
        Assert.Equal(700u, reply.U32(8));  // attr_valid_nsec
        Assert.Equal(0u, reply.U32(12));   // dummy
        AssertAttr(reply, 16, ino: 0x55);
    }

    [Fact]
    public void ReplyOpenWritesHandleFlagsAndBackingId()
    {
        var reply = Answer(r => r.ReplyOpen(0xFEED_FACE_0000_0001, FuseOpenFlags.Passthrough | FuseOpenFlags.KeepCache, backingId: 7));

        Assert.Equal((uint)(16 + Wire.OpenOut), reply.Length);
        Assert.Equal(0xFEED_FACE_0000_0001ul, reply.U64(0)); // fh
        Assert.Equal((1u << 7) | (1u << 1), reply.U32(8));   // open_flags: FOPEN_PASSTHROUGH | FOPEN_KEEP_CACHE
        Assert.Equal(7, reply.I32(12));                      // backing_id
    }

    [Fact]
    public void ReplyOpenWithoutBackingIdLeavesItZero()
    {
        var reply = Answer(r => r.ReplyOpen(9, FuseOpenFlags.DirectIo));

        Assert.Equal((9ul, 1u, 0), (reply.U64(0), reply.U32(8), reply.I32(12)));
    }

    [Fact]
    public void ReplyCreateIsEntryOutFollowedByOpenOut()
    {
        var entry = new FuseEntry { NodeId = 88, Generation = 1, Attr = SampleAttr(0), EntryTimeout = TimeSpan.FromSeconds(4), AttrTimeout = TimeSpan.FromSeconds(5) };

        var reply = Answer(r => r.ReplyCreate(entry, handle: 0x4242, FuseOpenFlags.DirectIo, backingId: 3));

        Assert.Equal((uint)(16 + Wire.EntryOut + Wire.OpenOut), reply.Length);
        Assert.Equal((88ul, 1ul, 4ul, 5ul), (reply.U64(0), reply.U64(8), reply.U64(16), reply.U64(24)));
        AssertAttr(reply, 40, ino: 88);
        Assert.Equal((0x4242ul, 1u, 3), (reply.U64(128), reply.U32(136), reply.I32(140)));
    }

    [Fact]
    public void ReplyWriteWritesWriteOut()
    {
        var reply = Answer(r => r.ReplyWrite(65536));

        Assert.Equal((uint)(16 + Wire.WriteOut), reply.Length);
        Assert.Equal((65536u, 0u), (reply.U32(0), reply.U32(4)));
    }

    [Fact]
    public void ReplyStatfsWritesKstatfs()
    {
        var statfs = new FuseStatfs { Blocks = 1000, BlocksFree = 900, BlocksAvailable = 800, Files = 70, FilesFree = 60, BlockSize = 4096, NameMax = 255, FragmentSize = 512 };

        var reply = Answer(r => r.ReplyStatfs(statfs));

        Assert.Equal((uint)(16 + Wire.Kstatfs), reply.Length);
        Assert.Equal([1000ul, 900ul, 800ul, 70ul, 60ul], new[] { 0, 8, 16, 24, 32 }.Select(reply.U64));
        Assert.Equal((4096u, 255u, 512u), (reply.U32(40), reply.U32(44), reply.U32(48)));
        Assert.All(reply.Payload[52..80], b => Assert.Equal(0, b)); // padding, spare[6]
    }

    [Fact]
    public void ReplyXattrSizeAndReplyLseekWriteTheirEightByteStructs()
    {
        var size = Answer(r => r.ReplyXattrSize(321), unique: 1);
        var seek = Answer(r => r.ReplyLseek(1L << 33), unique: 2);

        Assert.Equal((24u, 321u, 0u), (size.Length, size.U32(0), size.U32(4)));
        Assert.Equal((24u, 1ul << 33), (seek.Length, seek.U64(0)));
    }

    [Fact]
    public void ReplyDataSendsThePayloadVerbatim()
    {
        byte[] data = [.. Enumerable.Range(0, 5000).Select(i => (byte)(i % 251))];

        var reply = Answer(r => r.ReplyData(data));

        Assert.Equal((uint)(16 + data.Length), reply.Length);
        Assert.Equal(0, reply.Error);
        Assert.Equal(data, reply.Payload);
    }

    [Fact]
    public void ReplyDataWithNothingIsABareHeader()
    {
        var reply = Answer(r => r.ReplyData([]));

        Assert.Equal((16u, 0), (reply.Length, reply.Error));
    }

    [Fact]
    public void ReplyBufferedSendsWhatTheHandlerWroteIntoTheReplyBuffer()
    {
        _wire.Fs.Respond = (r, call) =>
        {
            var span = r.ReplyBuffer(call.Size);
            Assert.Equal(call.Size, span.Length);
            for (int i = 0; i < 1000; i++) span[i] = (byte)(i ^ 0x5A);
            return r.ReplyBuffered(1000);
        };

        Assert.True(_wire.Send(FuseOpcode.Read, 0xAB, 3, new Body().U64(1).U64(0).U32(4096).U32(0).U64(0).U32(0).U32(0)));

        var reply = _wire.ReceiveOk(0xAB);
        Assert.Equal(16u + 1000, reply.Length);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (byte)(i ^ 0x5A)), reply.Payload);
    }

    [Fact]
    public void ReplyBufferIsCappedAtWhatTheRequestBufferHolds()
    {
        int length = -1;
        Answer(r => { length = r.ReplyBuffer(int.MaxValue).Length; return r.ReplyBuffered(length); });

        Assert.Equal(WireHarness.ReplyCapacity, length);
    }

    [Fact]
    public void ReplyBufferedWithALengthPastTheBufferIsAnsweredEio()
    {
        _wire.Fs.Respond = (r, _) => r.ReplyBuffered(WireHarness.BufferSize);

        Assert.True(_wire.Send(FuseOpcode.Lookup, 0xAC, 1, new Body().Name("x")));

        _wire.ReceiveError(0xAC, Errno.EIO);
    }

    [Fact]
    public void SecondReplyToTheSameRequestIsDropped()
    {
        bool repliedAfterFirst = false;
        var reply = Answer(r =>
        {
            r.ReplyError(Errno.ENOENT);
            repliedAfterFirst = r.IsReplied;
            r.ReplyEntry(new FuseEntry { NodeId = 2 });
            r.ReplyOk();
            return r.ReplyData([1, 2, 3]);
        });

        Assert.True(repliedAfterFirst);
        Assert.Equal(-Errno.ENOENT, reply.Error);
        _wire.AssertNoReply();
    }
}
