using System.Text;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Fuse.Tests.Protocol;

/// <summary>Requests built byte by byte as the kernel sends them reach the filesystem with the right arguments.</summary>
public sealed class RequestDecodingTests : IDisposable
{
    private readonly WireHarness _wire = new();

    public void Dispose() => _wire.Dispose();

    private Call ServeOk(FuseOpcode opcode, ulong unique, ulong node, Body? body = null)
    {
        Assert.True(_wire.Send(opcode, unique, node, body));
        _wire.ReceiveOk(unique);
        return _wire.Fs.Single();
    }

    [Fact]
    public void LookupPassesTheNameWithoutItsNulAndTheHeaderFields()
    {
        var call = ServeOk(FuseOpcode.Lookup, 7, 1, new Body().Name("héllo.txt"));

        Assert.Equal(new Call("Lookup", 1) { Unique = 7, Uid = WireHarness.Uid, Gid = WireHarness.Gid, Pid = WireHarness.Pid, Name = "héllo.txt", NameBytes = call.NameBytes }, call);
        Assert.Equal(Encoding.UTF8.GetBytes("héllo.txt"), call.NameBytes);
    }

    [Fact]
    public void MkDirPassesModeUmaskAndName()
    {
        var call = ServeOk(FuseOpcode.MkDir, 8, 5, new Body().U32(0x41ED).U32(0x12).Name("sub"));

        Assert.Equal(("MkDir", 5ul, "sub", 0x41EDu, 0x12u), (call.Op, call.Node, call.Name, call.Mode, call.Umask));
    }

    [Fact]
    public void MkNodPassesModeRdevUmaskAndName()
    {
        var call = ServeOk(FuseOpcode.MkNod, 9, 5, new Body().U32(0x11A4).U32(0x0801).U32(0x02).U32(0).Name("fifo"));

        Assert.Equal(("MkNod", "fifo", 0x11A4u, 0x0801u, 0x02u), (call.Op, call.Name, call.Mode, call.Rdev, call.Umask));
    }

    [Fact]
    public void CreatePassesOpenFlagsModeUmaskAndName()
    {
        // fuse_create_in: flags, mode, umask, open_flags.
        var call = ServeOk(FuseOpcode.Create, 10, 3, new Body().U32(0x8241).U32(0x81A4).U32(0x12).U32(0).Name("new.bin"));

        Assert.Equal(("Create", 3ul, "new.bin", 0x81A4u, 0x12u, 0x8241L), (call.Op, call.Node, call.Name, call.Mode, call.Umask, call.Flags));
    }

    [Fact]
    public void SymlinkFirstStringIsTheNewEntryNameAndSecondIsTheTarget()
    {
        var call = ServeOk(FuseOpcode.Symlink, 11, 4, new Body().Name("link").Name("../some/target"));

        Assert.Equal(("Symlink", 4ul, "link", "../some/target"), (call.Op, call.Node, call.Name, call.Name2));
    }

    [Fact]
    public void RenamePassesNewDirAndBothNamesWithZeroFlags()
    {
        var call = ServeOk(FuseOpcode.Rename, 12, 4, new Body().U64(99).Name("old").Name("new"));

        Assert.Equal(("Rename", 4ul, "old", 99ul, "new", 0L), (call.Op, call.Node, call.Name, call.NewParent, call.Name2, call.Flags));
    }

    [Fact]
    public void Rename2PassesNewDirFlagsAndBothNames()
    {
        // fuse_rename2_in: newdir, flags, padding. RENAME_EXCHANGE = 2.
        var call = ServeOk(FuseOpcode.Rename2, 13, 4, new Body().U64(0x1_0000_0007).U32(2).U32(0).Name("a").Name("bb"));

        Assert.Equal(("Rename", 4ul, "a", 0x1_0000_0007ul, "bb", 2L), (call.Op, call.Node, call.Name, call.NewParent, call.Name2, call.Flags));
    }

    [Fact]
    public void LinkPassesTheOldNodeAndTheHeaderNodeAsNewParent()
    {
        // fuse_link_in: oldnodeid; the header's nodeid is the directory of the new name.
        var call = ServeOk(FuseOpcode.Link, 14, 6, new Body().U64(42).Name("hard"));

        Assert.Equal(("Link", 42ul, 6ul, "hard"), (call.Op, call.Node, call.NewParent, call.Name));
    }

    [Fact]
    public void WritePassesHandleOffsetSizeFlagsAndData()
    {
        byte[] data = [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))];
        // fuse_write_in: fh, offset, size, write_flags, lock_owner, flags, padding; then the data.
        var body = new Body().U64(0xF00D).U64(0x1_2345_6789).U32((uint)data.Length).U32(1).U64(0xABCD).U32(0x8001).U32(0).Bytes(data);

        var call = ServeOk(FuseOpcode.Write, 15, 8, body);

        Assert.Equal(("Write", 8ul, (ulong?)0xF00D, 0x1_2345_6789L, 3000, 1L), (call.Op, call.Node, call.Handle, call.Offset, call.Size, call.Flags));
        Assert.Equal(data, call.Data);
    }

    [Fact]
    public void WriteWhoseSizeRunsPastTheRequestIsAnsweredEinval()
    {
        var body = new Body().U64(1).U64(0).U32(100).U32(0).U64(0).U32(0).U32(0).Bytes(new byte[99]);

        Assert.True(_wire.Send(FuseOpcode.Write, 16, 8, body));

        _wire.ReceiveError(16, Errno.EINVAL);
        Assert.Empty(_wire.Fs.Calls);
    }

    private static Body SetAttrBody(uint valid, ulong fh) => new Body()
        .U32(valid).U32(0).U64(fh).U64(123_456).U64(0x10C)    // valid, padding, fh, size, lock_owner
        .U64(1_700_000_001).U64(1_700_000_002).U64(1_700_000_003) // atime, mtime, ctime
        .U32(11).U32(22).U32(33)                                // atimensec, mtimensec, ctimensec
        .U32(0x81ED).U32(0).U32(501).U32(502).U32(0);           // mode, unused4, uid, gid, unused5

    [Fact]
    public void SetAttrPassesEveryFieldAndTheValidBitsWithTheHandleWhenFattrFh()
    {
        uint valid = Wire.FattrMode | Wire.FattrUid | Wire.FattrGid | Wire.FattrSize | Wire.FattrAtime | Wire.FattrMtime | Wire.FattrFh | Wire.FattrCtime;

        var change = ServeOk(FuseOpcode.SetAttr, 17, 9, SetAttrBody(valid, 0xBEEF)).Change!.Value;

        Assert.Equal((SetAttrValid)valid, change.Valid);
        Assert.True(change.Has(SetAttrValid.Handle) && change.Has(SetAttrValid.Size) && !change.Has(SetAttrValid.AtimeNow));
        Assert.Equal(0xBEEFul, change.Handle);
        Assert.Equal(123_456ul, change.Size);
        Assert.Equal(0x81EDu, change.Mode);
        Assert.Equal((501u, 502u), (change.Uid, change.Gid));
        Assert.Equal(new UnixTime(1_700_000_001, 11), change.Atime);
        Assert.Equal(new UnixTime(1_700_000_002, 22), change.Mtime);
        Assert.Equal(new UnixTime(1_700_000_003, 33), change.Ctime);
    }

    [Fact]
    public void SetAttrWithoutFattrFhHasNoHandleEvenWhenTheFieldIsSet()
    {
        var change = ServeOk(FuseOpcode.SetAttr, 18, 9, SetAttrBody(Wire.FattrSize, 0xBEEF)).Change!.Value;

        Assert.Equal(SetAttrValid.Size, change.Valid);
        Assert.Null(change.Handle);
        Assert.Equal(123_456ul, change.Size);
    }

    [Fact]
    public void GetAttrWithGetattrFhPassesTheHandle()
    {
        var call = ServeOk(FuseOpcode.GetAttr, 19, 10, new Body().U32(Wire.GetattrFh).U32(0).U64(0x77));

        Assert.Equal(("GetAttr", 10ul, (ulong?)0x77), (call.Op, call.Node, call.Handle));
    }

    [Fact]
    public void GetAttrWithoutGetattrFhPassesNoHandle()
    {
        var call = ServeOk(FuseOpcode.GetAttr, 20, 10, new Body().U32(0).U32(0).U64(0x77));

        Assert.Equal(("GetAttr", 10ul, (ulong?)null), (call.Op, call.Node, call.Handle));
    }

    [Fact]
    public void SetXattrPassesNameFlagsAndTheValueBySizeEvenWithNulBytes()
    {
        byte[] value = [1, 0, 2, 0, 0, 3];
        // fuse_setxattr_in without FUSE_SETXATTR_EXT: size, flags (8 bytes); then name, then value.
        var call = ServeOk(FuseOpcode.SetXattr, 21, 11, new Body().U32((uint)value.Length).U32(1).Name("user.tag").Bytes(value));

        Assert.Equal(("SetXattr", 11ul, "user.tag", 1L), (call.Op, call.Node, call.Name, call.Flags));
        Assert.Equal(value, call.Data);
    }

    [Fact]
    public void GetXattrPassesNameAndSize()
    {
        var call = ServeOk(FuseOpcode.GetXattr, 22, 11, new Body().U32(256).U32(0).Name("user.tag"));

        Assert.Equal(("GetXattr", "user.tag", 256), (call.Op, call.Name, call.Size));
    }

    [Fact]
    public void ReadPassesHandleOffsetAndSize()
    {
        // fuse_read_in: fh, offset, size, read_flags, lock_owner, flags, padding.
        var call = ServeOk(FuseOpcode.Read, 23, 12, new Body().U64(0xCAFE).U64(1L << 40).U32(131072 / 4).U32(0).U64(0).U32(0x8000).U32(0));

        Assert.Equal(("Read", 12ul, (ulong?)0xCAFE, 1L << 40, 131072 / 4), (call.Op, call.Node, call.Handle, call.Offset, call.Size));
    }

    [Fact]
    public void ReadLargerThanTheBufferIsClampedToWhatAReplyCanHold()
    {
        var call = ServeOk(FuseOpcode.Read, 24, 12, new Body().U64(1).U64(0).U32(1u << 30).U32(0).U64(0).U32(0).U32(0));

        Assert.Equal(WireHarness.ReplyCapacity, call.Size);
    }

    [Fact]
    public void ReadDirAndReadDirPlusPassHandleAndOffset()
    {
        var body = new Body().U64(0xD1).U64(17).U32(4096).U32(0).U64(0).U32(0).U32(0);
        Assert.True(_wire.Send(FuseOpcode.ReadDir, 25, 1, body));
        _wire.ReceiveOk(25);
        Assert.True(_wire.Send(FuseOpcode.ReadDirPlus, 26, 1, body));
        _wire.ReceiveOk(26);

        var calls = _wire.Fs.Calls;
        Assert.Equal(("ReadDir", (ulong?)0xD1, 17L, false), (calls[0].Op, calls[0].Handle, calls[0].Offset, calls[0].Plus));
        Assert.Equal(("ReadDir", (ulong?)0xD1, 17L, true), (calls[1].Op, calls[1].Handle, calls[1].Offset, calls[1].Plus));
    }

    [Fact]
    public void ForgetPassesNodeAndLookupCountAndIsNotAnswered()
    {
        Assert.True(_wire.Send(FuseOpcode.Forget, 27, 55, new Body().U64(3)));

        var forget = _wire.Fs.Single();
        Assert.Equal("Forget", forget.Op);
        var one = Assert.Single(forget.Forgets!);
        Assert.Equal((55ul, 3ul), (one.NodeId, one.Lookups));
        _wire.AssertNoReply();
    }

    [Fact]
    public void BatchForgetPassesEveryEntryAndIsNotAnswered()
    {
        // fuse_batch_forget_in: count, dummy; then count fuse_forget_one (nodeid, nlookup).
        var body = new Body().U32(3).U32(0).U64(10).U64(1).U64(11).U64(2).U64(0xFFFF_FFFF_0000_0001).U64(300);

        Assert.True(_wire.Send(FuseOpcode.BatchForget, 28, 0, body));

        var forgets = _wire.Fs.Single().Forgets!;
        Assert.Equal([(10ul, 1ul), (11ul, 2ul), (0xFFFF_FFFF_0000_0001ul, 300ul)], forgets.Select(f => (f.NodeId, f.Lookups)));
        _wire.AssertNoReply();
    }

    [Fact]
    public void BatchForgetCountingMoreEntriesThanSentPassesOnlyThoseSent()
    {
        Assert.True(_wire.Send(FuseOpcode.BatchForget, 29, 0, new Body().U32(5).U32(0).U64(10).U64(1).U64(11).U64(2)));

        Assert.Equal([10ul, 11ul], _wire.Fs.Single().Forgets!.Select(f => f.NodeId));
        _wire.AssertNoReply();
    }

    public static TheoryData<FuseOpcode, int> TruncatedRequests => new()
    {
        { FuseOpcode.GetAttr, 15 },  // fuse_getattr_in is 16
        { FuseOpcode.SetAttr, 87 },  // fuse_setattr_in is 88
        { FuseOpcode.MkDir, 4 },     // fuse_mkdir_in is 8
        { FuseOpcode.MkNod, 12 },    // fuse_mknod_in is 16
        { FuseOpcode.Create, 8 },    // fuse_create_in is 16
        { FuseOpcode.Rename2, 12 },  // fuse_rename2_in is 16
        { FuseOpcode.Link, 4 },      // fuse_link_in is 8
        { FuseOpcode.Read, 39 },     // fuse_read_in is 40
        { FuseOpcode.Write, 24 },    // fuse_write_in is 40
        { FuseOpcode.Open, 0 },      // fuse_open_in is 8
        { FuseOpcode.SetXattr, 4 },  // fuse_setxattr_in is 8
        { FuseOpcode.ReadDir, 20 },
    };

    [Theory]
    [MemberData(nameof(TruncatedRequests))]
    public void RequestTooShortForItsStructIsAnsweredEinval(FuseOpcode opcode, int bodyLength)
    {
        Assert.True(_wire.Send(opcode, 30, 2, new Body().Zeros(bodyLength)));

        _wire.ReceiveError(30, Errno.EINVAL);
        Assert.Empty(_wire.Fs.Calls);
    }

    public static TheoryData<FuseOpcode, byte[]> UnterminatedNames => new()
    {
        { FuseOpcode.Lookup, new Body().Unterminated("abc").ToArray() },
        { FuseOpcode.Lookup, [] },
        { FuseOpcode.MkDir, new Body().U32(0x41ED).U32(0).Unterminated("dir").ToArray() },
        { FuseOpcode.Symlink, new Body().Name("link").Unterminated("target").ToArray() },
        { FuseOpcode.Rename, new Body().U64(1).Name("old").Unterminated("new").ToArray() },
        { FuseOpcode.Unlink, new Body().Unterminated("gone").ToArray() },
        { FuseOpcode.SetXattr, new Body().U32(0).U32(0).Unterminated("user.x").ToArray() },
    };

    [Theory]
    [MemberData(nameof(UnterminatedNames))]
    public void UnterminatedNameIsAnsweredEinval(FuseOpcode opcode, byte[] body)
    {
        // The poisoned buffer holds 0xAA, not NUL, past the request: the scan must stop at the request's length.
        Assert.True(_wire.Send(WireHarness.Message((uint)opcode, 31, 2, body)));

        _wire.ReceiveError(31, Errno.EINVAL);
        Assert.Empty(_wire.Fs.Calls);
    }

    [Theory]
    [InlineData(52u)]   // STATX
    [InlineData(31u)]   // GETLK
    [InlineData(47u)]   // COPY_FILE_RANGE
    [InlineData(4096u)] // not an opcode at all
    public void UnknownOpcodeIsAnsweredEnosys(uint opcode)
    {
        Assert.True(_wire.Send(opcode, 0x1234_5678_9ABC, 1, new Body().Zeros(64)));

        _wire.ReceiveError(0x1234_5678_9ABC, Errno.ENOSYS);
    }
}
