using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Fuse.Session;

/// <summary>
/// One kernel request and the means to answer it. Pooled: it owns a native buffer that holds the
/// request and, for READ and directory replies, the answer, so the hot paths allocate nothing.
/// The first reply wins; a later one (after INTERRUPT answered EINTR) is dropped.
/// </summary>
public sealed unsafe class FuseRequest : IDisposable
{
    private readonly byte* _buffer;
    private readonly int _capacity;
    private readonly NativeBufferMemory _memory;
    private readonly FuseSession _session;
    private int _replied;
    private CancellationTokenSource? _cancellation;
    private bool _tracked;
    private bool _bounded;
    private bool _interrupted;
    private long _arrived;
    private bool _failed;
    private DirectoryBuffer? _directory;

    internal InHeader Header;
    internal FuseChannel Channel = null!;
    internal int Length;

    internal FuseRequest(FuseSession session, int capacity)
    {
        _session = session;
        _capacity = capacity;
        _buffer = (byte*)NativeMemory.AlignedAlloc((nuint)capacity, 4096);
        _memory = new NativeBufferMemory(_buffer, capacity);
    }

    public FuseOpcode Opcode => Header.Opcode;
    public ulong Unique => Header.Unique;
    public ulong NodeId => Header.NodeId;
    public uint Uid => Header.Uid;
    public uint Gid => Header.Gid;
    public uint Pid => Header.Pid;

    /// <summary>
    /// Cancelled when the kernel interrupts this request (the caller got a signal) or when the
    /// session's request timeout has passed since it arrived: the caller is answered within that bound.
    /// </summary>
    public CancellationToken CancellationToken => Token(bounded: true);

    /// <summary>
    /// Cancelled only when the kernel interrupts this request: for work bounded by its progress
    /// rather than by one deadline (an upload at close), whose every step has its own bound.
    /// </summary>
    public CancellationToken InterruptToken => Token(bounded: false);

    private CancellationToken Token(bool bounded)
    {
        lock (this)
        {
            _cancellation ??= new CancellationTokenSource(Timeout.InfiniteTimeSpan, _session.Time);
            if (!_tracked)
            {
                _tracked = true;
                _session.Track(this);
            }
            if (bounded && !_bounded && _session.RequestTimeout is { } timeout)
            {
                _bounded = true;
                var left = timeout - _session.Time.GetElapsedTime(_arrived);
                _cancellation.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
            return _cancellation.Token;
        }
    }

    /// <summary>The request's deadline passed (and no INTERRUPT came): what cancelled its handler was the bound.</summary>
    internal bool TimedOut
    {
        get
        {
            lock (this) return _bounded && !_interrupted && _cancellation?.IsCancellationRequested == true;
        }
    }

    public bool IsReplied => Volatile.Read(ref _replied) != 0;

    /// <summary>The reply was an error (for metrics).</summary>
    internal bool Failed => _failed;

    /// <summary>When the request arrived, a <see cref="TimeProvider"/> timestamp of the session's clock.</summary>
    internal long Arrived => _arrived;

    /// <summary>Entries of a READDIR or READDIRPLUS reply, written straight into the reply buffer.</summary>
    public DirectoryBuffer Directory => _directory ??= new DirectoryBuffer(this);

    internal Span<byte> BufferSpan => new(_buffer, _capacity);
    internal Memory<byte> BufferMemory => _memory.Memory;
    internal byte* Buffer => _buffer;
    internal int Capacity => _capacity;

    internal void Begin(FuseChannel channel, int length)
    {
        Channel = channel;
        Length = length;
        Header = Unsafe.ReadUnaligned<InHeader>(_buffer);
        _replied = 0;
        _failed = false;
        _arrived = _session.Time.GetTimestamp();
    }

    /// <summary>The argument struct, zero-extended when an older kernel sends a shorter version of it.</summary>
    internal T ArgPrefix<T>() where T : unmanaged
    {
        T value = default;
        int available = Math.Clamp(Length - sizeof(InHeader), 0, sizeof(T));
        new ReadOnlySpan<byte>(_buffer + sizeof(InHeader), available).CopyTo(new Span<byte>(&value, sizeof(T)));
        return value;
    }

    internal ref readonly T Arg<T>() where T : unmanaged
    {
        if (Length < sizeof(InHeader) + sizeof(T))
            throw new FuseException(Errno.EINVAL, $"{Opcode} request of {Length} bytes is too short");
        return ref Unsafe.AsRef<T>(_buffer + sizeof(InHeader));
    }

    /// <summary>A NUL-terminated name starting <paramref name="offset"/> bytes after the header; <paramref name="next"/> is where the following field starts.</summary>
    internal FuseName Name(int offset, out int next)
    {
        int start = sizeof(InHeader) + offset;
        var rest = new ReadOnlySpan<byte>(_buffer + start, Math.Max(0, Length - start));
        int nul = rest.IndexOf((byte)0);
        if (nul < 0) throw new FuseException(Errno.EINVAL, $"{Opcode} name is not terminated");
        next = offset + nul + 1;
        return new FuseName(_buffer + start, nul);
    }

    internal FuseData Data(int offset, int length)
    {
        int start = sizeof(InHeader) + offset;
        if (length < 0 || start + length > Length)
            throw new FuseException(Errno.EINVAL, $"{Opcode} data runs past the request");
        return new FuseData(this, start, length);
    }

    public ValueTask ReplyError(int errno)
    {
        // Either sign is accepted; the kernel refuses errors outside 1..511 and would leave the
        // caller waiting forever, so anything else becomes EIO.
        if (errno is < 0 and > -512) errno = -errno;
        if (errno is <= 0 or >= 512) errno = Errno.EIO;
        if (Claim()) SendHeaderOnly(-errno);
        return default;
    }

    public ValueTask ReplyNotImplemented() => ReplyError(Errno.ENOSYS);

    public ValueTask ReplyOk()
    {
        if (Claim()) SendHeaderOnly(0);
        return default;
    }

    public ValueTask ReplyEntry(in FuseEntry entry)
    {
        if (!Claim()) return default;
        EntryOut output = default;
        entry.WriteTo(ref output);
        SendStruct(ref output);
        return default;
    }

    public ValueTask ReplyCreate(in FuseEntry entry, ulong handle, FuseOpenFlags flags = FuseOpenFlags.None, int backingId = 0)
    {
        if (!Claim()) return default;
        CreateOut output = default;
        entry.WriteTo(ref output.Entry);
        output.Open = new OpenOut { Fh = handle, OpenFlags = flags, BackingId = backingId };
        SendStruct(ref output);
        return default;
    }

    public ValueTask ReplyAttr(in FuseAttr attr, TimeSpan timeout)
    {
        if (!Claim()) return default;
        AttrOut output = default;
        (output.AttrValid, output.AttrValidNsec) = FuseEntry.Split(timeout);
        output.Attr = attr;
        if (output.Attr.Ino == 0) output.Attr.Ino = NodeId;
        SendStruct(ref output);
        return default;
    }

    /// <summary>Answers OPEN or OPENDIR. A positive <paramref name="backingId"/> (with <see cref="FuseOpenFlags.Passthrough"/>) makes the kernel read and write that backing file itself.</summary>
    public ValueTask ReplyOpen(ulong handle, FuseOpenFlags flags = FuseOpenFlags.None, int backingId = 0)
    {
        if (!Claim()) return default;
        var output = new OpenOut { Fh = handle, OpenFlags = flags, BackingId = backingId };
        SendStruct(ref output);
        return default;
    }

    public ValueTask ReplyWrite(int written)
    {
        if (!Claim()) return default;
        var output = new WriteOut { Size = (uint)written };
        SendStruct(ref output);
        return default;
    }

    public ValueTask ReplyStatfs(in FuseStatfs statfs)
    {
        if (!Claim()) return default;
        FuseStatfs output = statfs;
        SendStruct(ref output);
        return default;
    }

    public ValueTask ReplyXattrSize(int size)
    {
        if (!Claim()) return default;
        var output = new GetXattrOut { Size = (uint)size };
        SendStruct(ref output);
        return default;
    }

    public ValueTask ReplyLseek(long offset)
    {
        if (!Claim()) return default;
        var output = new LseekOut { Offset = (ulong)offset };
        SendStruct(ref output);
        return default;
    }

    /// <summary>Answers with bytes from anywhere (READ, READLINK, GETXATTR, LISTXATTR) without copying them.</summary>
    public ValueTask ReplyData(ReadOnlySpan<byte> data)
    {
        if (!Claim()) return default;
        OutHeader header = default;
        fixed (byte* payload = data)
            Channel.Send(this, ref header, payload, data.Length);
        return default;
    }

    /// <summary>
    /// Answers with bytes from two places, in order, without copying them (a READ that spans two
    /// fetched chunks): copied into the request's own buffer instead, they made every buffer of the
    /// pool resident (a MiB each) under many readers.
    /// </summary>
    public ValueTask ReplyData(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (!Claim()) return default;
        OutHeader header = default;
        fixed (byte* a = first)
        fixed (byte* b = second)
            Channel.Send(this, ref header, a, first.Length, b, second.Length);
        return default;
    }

    /// <summary>
    /// Space for up to <paramref name="size"/> bytes of answer inside the request's own buffer; fill it
    /// and call <see cref="ReplyBuffered"/>. Request arguments are decoded before the call, so
    /// overwriting the buffer is safe, but names and write data are gone once it is written.
    /// </summary>
    public Span<byte> ReplyBuffer(int size) => new(_buffer + sizeof(OutHeader), ReplyCapacity(size));

    /// <inheritdoc cref="ReplyBuffer"/>
    public Memory<byte> ReplyBufferMemory(int size) => _memory.Memory.Slice(sizeof(OutHeader), ReplyCapacity(size));

    public ValueTask ReplyBuffered(int length)
    {
        // Checked before claiming, so a bad length still gets the EIO answer from the session.
        if ((uint)length > (uint)(_capacity - sizeof(OutHeader))) throw new ArgumentOutOfRangeException(nameof(length));
        if (!Claim()) return default;
        ref OutHeader header = ref Unsafe.AsRef<OutHeader>(_buffer);
        header = new OutHeader { Length = (uint)(sizeof(OutHeader) + length), Unique = Unique };
        Channel.SendRaw(this, _buffer, sizeof(OutHeader) + length);
        return default;
    }

    public ValueTask ReplyDirectory()
    {
        return ReplyBuffered(Directory.Length);
    }

    private int ReplyCapacity(int size) => Math.Min(size, _capacity - sizeof(OutHeader));

    private bool Claim() => Interlocked.Exchange(ref _replied, 1) == 0;

    private void SendHeaderOnly(int error)
    {
        _failed = error != 0;
        var header = new OutHeader { Error = error };
        Channel.Send(this, ref header, null, 0);
    }

    private void SendStruct<T>(ref T payload) where T : unmanaged
    {
        OutHeader header = default;
        fixed (T* p = &payload)
            Channel.Send(this, ref header, (byte*)p, sizeof(T));
    }

    /// <summary>Answers EINTR and cancels the handler, if this object still serves <paramref name="unique"/>.</summary>
    internal void Interrupt(ulong unique)
    {
        CancellationTokenSource? cancellation;
        lock (this)
        {
            if (!_tracked || Unique != unique) return;
            _interrupted = true;
            cancellation = _cancellation;
            if (Claim()) SendHeaderOnly(-Errno.EINTR);
        }
        try { cancellation?.Cancel(); }
        catch (AggregateException e) { _session.Log.HandlerCancellationFailed(Opcode, e); }
    }

    /// <summary>The handler is done with this request; detaches it from interrupt tracking.</summary>
    internal void Complete()
    {
        lock (this)
        {
            if (_tracked) _session.Untrack(this);
            // Kept for the next request this object serves, so asking for a token allocates nothing,
            // unless it was cancelled; resetting also stops the deadline's timer.
            if (_cancellation?.TryReset() == false) _cancellation = null;
            _tracked = false;
            _bounded = false;
            _interrupted = false;
        }
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_buffer);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CreateOut
    {
        public EntryOut Entry;
        public OpenOut Open;
    }

    private sealed class NativeBufferMemory(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}
