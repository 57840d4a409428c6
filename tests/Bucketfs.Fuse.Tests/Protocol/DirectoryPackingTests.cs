using System.Text;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;

namespace Bucketfs.Fuse.Tests.Protocol;

/// <summary>READDIR and READDIRPLUS replies packed by <see cref="DirectoryBuffer"/>, decoded as the kernel parses them.</summary>
public sealed class DirectoryPackingTests : IDisposable
{
    private const uint Dir = 0x41ED, File = 0x81A4, Symlink = 0xA1FF, Fifo = 0x11A4;
    private readonly WireHarness _wire = new();

    public void Dispose() => _wire.Dispose();

    private static Body ReadIn(uint size, ulong offset = 0) => new Body().U64(0xD1).U64(offset).U32(size).U32(0).U64(0).U32(0).U32(0);

    /// <summary>Serves READDIR(PLUS) of <paramref name="size"/> bytes with <paramref name="fill"/>, then ReplyDirectory; returns the reply.</summary>
    private Reply ReadDir(bool plus, uint size, Action<DirectoryBuffer> fill)
    {
        _wire.Fs.Respond = (r, _) =>
        {
            fill(r.Directory);
            return r.ReplyDirectory();
        };
        Assert.True(_wire.Send(plus ? FuseOpcode.ReadDirPlus : FuseOpcode.ReadDir, 0x77, 1, ReadIn(size)));
        var reply = _wire.ReceiveOk(0x77);
        Assert.Equal((uint)reply.Bytes.Length, reply.Length);
        return reply;
    }

    /// <summary>Walks fuse_dirent records (optionally each after a fuse_entry_out) as fs/fuse/readdir.c does.</summary>
    private static List<(ulong Ino, ulong Off, uint Type, string Name, int At)> Parse(Reply reply, bool plus)
    {
        var entries = new List<(ulong, ulong, uint, string, int)>();
        byte[] payload = reply.Payload;
        int at = 0;
        while (at < payload.Length)
        {
            int start = at;
            if (plus) at += Wire.EntryOut;
            uint nameLength = reply.U32(at + 16);
            string name = Encoding.UTF8.GetString(payload, at + Wire.Dirent, (int)nameLength);
            int padded = (Wire.Dirent + (int)nameLength + 7) & ~7;
            Assert.All(payload[(at + Wire.Dirent + (int)nameLength)..(at + padded)], b => Assert.Equal(0, b));
            entries.Add((reply.U64(at), reply.U64(at + 8), reply.U32(at + 20), name, start));
            at += padded;
        }
        Assert.Equal(payload.Length, at);
        return entries;
    }

    [Fact]
    public void ReadDirPacksDirentsPaddedToEightBytesWithZeros()
    {
        var reply = ReadDir(plus: false, 4096, d =>
        {
            Assert.True(d.Add(".", 1, Dir, 1));
            Assert.True(d.Add("..", 1, Dir, 2));
            Assert.True(d.Add("file.txt", 10, File, 3));         // 24 + 8: no padding
            Assert.True(d.Add("seven77", 11, Symlink, 4));       // 24 + 7: one byte of padding
            Assert.True(d.Add("nine_char", 12, Fifo, 0x1_0000_0005));
            Assert.True(d.Add("ü"u8, 13, File, 6));               // two UTF-8 bytes
        });

        var entries = Parse(reply, plus: false);
        Assert.Equal(
        [
            (1ul, 1ul, 4u, "."), (1ul, 2ul, 4u, ".."), (10ul, 3ul, 8u, "file.txt"),
            (11ul, 4ul, 10u, "seven77"), (12ul, 0x1_0000_0005ul, 1u, "nine_char"), (13ul, 6ul, 8u, "ü"),
        ], entries.Select(e => (e.Ino, e.Off, e.Type, e.Name)));
        Assert.Equal([0, 32, 64, 96, 128, 168], entries.Select(e => e.At));
        Assert.Equal(200, reply.Payload.Length);
        Assert.Equal(2u, reply.U32(168 + 16)); // namelen counts bytes, not chars
    }

    [Fact]
    public void DirentTypeIsTheFileTypeBitsOfTheMode()
    {
        uint[] modes = [0x1000, 0x2000, 0x4000, 0x6000, 0x8000, 0xA000, 0xC000, 0x8FFF, 0xFFFF_8000];
        var reply = ReadDir(plus: false, 4096, d =>
        {
            for (int i = 0; i < modes.Length; i++) Assert.True(d.Add($"e{i}", (ulong)i + 2, modes[i], (ulong)i + 1));
        });

        Assert.Equal([1u, 2u, 4u, 6u, 8u, 10u, 12u, 8u, 8u], Parse(reply, plus: false).Select(e => e.Type));
    }

    [Fact]
    public void ReadDirPlusPrefixesEachDirentWithEntryOut()
    {
        var file = new FuseEntry
        {
            NodeId = 21, Generation = 4, Attr = ReplyEncodingTests.SampleAttr(0),
            EntryTimeout = TimeSpan.FromMilliseconds(2500), AttrTimeout = TimeSpan.FromSeconds(1),
        };
        var dot = new FuseEntry { Attr = new FuseAttr { Ino = 1, Mode = Dir } };

        var reply = ReadDir(plus: true, 4096, d =>
        {
            Assert.True(d.AddPlus(".", dot, 1));
            Assert.True(d.AddPlus("data.bin"u8, file, 2));
        });

        var entries = Parse(reply, plus: true);
        Assert.Equal([(1ul, 1ul, 4u, "."), (21ul, 2ul, 8u, "data.bin")], entries.Select(e => (e.Ino, e.Off, e.Type, e.Name)));
        Assert.Equal([0, 128 + 32], entries.Select(e => e.At));
        Assert.Equal(2 * (128 + 32), reply.Payload.Length);

        // The "." entry: node id 0 (no lookup), ino from its attributes.
        Assert.Equal((0ul, 1ul), (reply.U64(0), reply.U64(40)));
        // The file: a complete entry_out, ino defaulting to the node id.
        int e = 160;
        Assert.Equal((21ul, 4ul, 2ul, 1ul, 500_000_000u, 0u), (reply.U64(e), reply.U64(e + 8), reply.U64(e + 16), reply.U64(e + 24), reply.U32(e + 32), reply.U32(e + 36)));
        ReplyEncodingTests.AssertAttr(reply, e + 40, ino: 21);
    }

    [Fact]
    public void AddReturnsFalseOnceTheRequestedSizeWouldBeExceededAndWritesNothingPartial()
    {
        int twoEntries = DirectoryBuffer.EntrySize(1, false) + DirectoryBuffer.EntrySize(9, false); // 32 + 40
        bool[] results = [];
        int lengthAfterRefusal = -1;
        var reply = ReadDir(plus: false, (uint)twoEntries + 31, d =>
        {
            results =
            [
                d.Add("a", 2, File, 1),
                d.Add("123456789", 3, File, 2),
                d.Add("b", 4, File, 3),   // needs 32, only 31 left
            ];
            lengthAfterRefusal = d.Length;
        });

        Assert.Equal([true, true, false], results);
        Assert.Equal(twoEntries, lengthAfterRefusal);
        Assert.Equal((uint)(16 + twoEntries), reply.Length);
        Assert.Equal(["a", "123456789"], Parse(reply, plus: false).Select(e => e.Name));
    }

    [Fact]
    public void AddFillsTheRequestedSizeExactly()
    {
        var results = new List<bool>();
        var reply = ReadDir(plus: false, 64, d =>
        {
            results.Add(d.Add("x", 2, File, 1));
            results.Add(d.Add("y", 3, File, 2));
            results.Add(d.Add("", 4, File, 3)); // even the smallest entry (24 bytes) no longer fits
        });

        Assert.Equal([true, true, false], results);
        Assert.Equal(64, reply.Payload.Length);
    }

    [Fact]
    public void AddPlusReturnsFalseOnceTheRequestedSizeWouldBeExceeded()
    {
        var entry = new FuseEntry { NodeId = 5, Attr = new FuseAttr { Mode = File } };
        var results = new List<bool>();
        var reply = ReadDir(plus: true, 128 + 32 + 128 + 31, d =>
        {
            results.Add(d.AddPlus("a", entry, 1));
            results.Add(d.AddPlus("b", entry, 2));
            results.Add(d.AddPlus("c", entry, 3));
        });

        Assert.Equal([true, false, false], results);
        Assert.Equal(160, reply.Payload.Length);
        Assert.Equal(["a"], Parse(reply, plus: true).Select(e => e.Name));
    }

    [Fact]
    public void NothingAddedRepliesWithAnEmptyPayload()
    {
        var reply = ReadDir(plus: false, 4096, _ => { });

        Assert.Equal(16u, reply.Length);
    }

    [Fact]
    public void RequestedSizeLargerThanTheBufferIsCappedAtTheBuffer()
    {
        int count = 0;
        var reply = ReadDir(plus: false, uint.MaxValue / 2, d =>
        {
            while (d.Add($"entry{count:D10}", (ulong)count + 2, File, (ulong)count + 1)) count++;
        });

        Assert.True(reply.Payload.Length <= WireHarness.ReplyCapacity);
        Assert.True(reply.Payload.Length + DirectoryBuffer.EntrySize(15, false) > WireHarness.ReplyCapacity);
        Assert.Equal(count, Parse(reply, plus: false).Count);
    }

    [Fact]
    public void AddOnAReadDirPlusBufferIsRefusedAndAnsweredEio()
    {
        _wire.Fs.Respond = (r, _) =>
        {
            r.Directory.Add("x", 2, File, 1);
            return r.ReplyDirectory();
        };

        Assert.True(_wire.Send(FuseOpcode.ReadDirPlus, 0x78, 1, ReadIn(4096)));

        _wire.ReceiveError(0x78, Errno.EIO);
    }

    [Theory]
    [InlineData(0, false, 24)]
    [InlineData(1, false, 32)]
    [InlineData(8, false, 32)]
    [InlineData(9, false, 40)]
    [InlineData(255, false, 280)]
    [InlineData(0, true, 152)]
    [InlineData(1, true, 160)]
    [InlineData(9, true, 168)]
    public void EntrySizeIsTheHeaderPlusNameRoundedUpToEight(int nameLength, bool plus, int expected)
    {
        Assert.Equal(expected, DirectoryBuffer.EntrySize(nameLength, plus));
    }

    [Fact]
    public void EntrySizeMatchesWhatAddPacks()
    {
        var growth = new List<(int Name, bool Plus, int Delta)>();
        var entry = new FuseEntry { NodeId = 9, Attr = new FuseAttr { Mode = File } };
        foreach (bool plus in new[] { false, true })
        {
            _wire.Fs.Respond = (r, _) =>
            {
                var d = r.Directory;
                for (int n = 0; n <= 17; n++)
                {
                    int before = d.Length;
                    string name = new('n', n);
                    Assert.True(plus ? d.AddPlus(name, entry, (ulong)n + 1) : d.Add(name, 9, File, (ulong)n + 1));
                    growth.Add((n, plus, d.Length - before));
                }
                return r.ReplyDirectory();
            };
            Assert.True(_wire.Send(plus ? FuseOpcode.ReadDirPlus : FuseOpcode.ReadDir, 0x79, 1, ReadIn(8192)));
            var reply = _wire.ReceiveOk(0x79);
            Assert.Equal(18, Parse(reply, plus).Count);
        }

        Assert.All(growth, g => Assert.Equal(DirectoryBuffer.EntrySize(g.Name, g.Plus), g.Delta));
    }
}
