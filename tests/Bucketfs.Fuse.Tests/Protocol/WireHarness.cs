using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Bucketfs.Fuse.Mounting;
using Bucketfs.Fuse.Protocol;
using Bucketfs.Fuse.Session;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Fuse.Tests.Protocol;

/// <summary>
/// Serves hand-built requests through the real <see cref="FuseSession.Serve"/> on a
/// <see cref="FuseChannel"/> whose fd is one end of an AF_UNIX SOCK_SEQPACKET socketpair, and reads
/// the replies back from the other end. Requests come from the session's own pool, as the reader
/// loop does, so an async handler's request goes back to the pool the way it would in production.
/// Layouts here are written from include/uapi/linux/fuse.h, not from the src structs.
/// </summary>
internal sealed unsafe partial class WireHarness : IDisposable
{
    public const int MaxWrite = 64 * 1024;
    public const int BufferSize = MaxWrite + 4096;
    public const int ReplyCapacity = BufferSize - Wire.OutHeader;
    public const uint Uid = 1000, Gid = 1001, Pid = 4242;
    private const int PoolSize = 16;
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(10);

    private readonly RequestPool _pool;
    private readonly SemaphoreSlim _available;
    private readonly int _peer;

    public WireHarness(RecordingFileSystem? fs = null, bool allowRoot = false)
    {
        Fs = fs ?? new RecordingFileSystem();
        Session = new FuseSession(Fs,
            new MountOptions { Mountpoint = "/nonexistent/bucketfs-protocol-tests", AllowRoot = allowRoot },
            new SessionOptions { MaxWrite = MaxWrite, MaxRequestsInFlight = PoolSize }, Log);
        int* fds = stackalloc int[2];
        if (SocketPair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
            throw new IOException($"socketpair: errno {Marshal.GetLastPInvokeError()}");
        Channel = new FuseChannel(Session, fds[0]);
        _peer = fds[1];
        _pool = (RequestPool)Field(typeof(FuseSession), "_pool").GetValue(Session)!;
        _available = (SemaphoreSlim)Field(typeof(RequestPool), "_available").GetValue(_pool)!;
    }

    public RecordingFileSystem Fs { get; }
    public RecordingLogger Log { get; } = new();
    public FuseSession Session { get; }
    internal FuseChannel Channel { get; }

    /// <summary>Serves one request as the reader loop would; returns what Serve returned (false: the handler still runs).</summary>
    public bool Send(byte[] message)
    {
        if (!_available.Wait(ReceiveTimeout)) throw new TimeoutException("every pooled request is still held by a handler");
        _available.Release();
        var request = _pool.Rent();
        // Poison the whole buffer so a field or padding byte that the code forgets to write shows up.
        request.BufferSpan.Fill(0xAA);
        message.CopyTo(request.BufferSpan);
        request.Begin(Channel, message.Length);
        bool done = Session.Serve(request);
        if (done) _pool.Return(request);
        return done;
    }

    public bool Send(uint opcode, ulong unique, ulong node, Body? body = null) =>
        Send(Message(opcode, unique, node, body?.ToArray() ?? []));

    public bool Send(FuseOpcode opcode, ulong unique, ulong node, Body? body = null) => Send((uint)opcode, unique, node, body);

    /// <summary>An in-header (len, opcode, unique, nodeid, uid, gid, pid, total_extlen, padding) followed by <paramref name="body"/>.</summary>
    public static byte[] Message(uint opcode, ulong unique, ulong node, ReadOnlySpan<byte> body)
    {
        var bytes = new byte[Wire.InHeader + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(0), (uint)bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), opcode);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), unique);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), node);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24), Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(28), Gid);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(32), Pid);
        body.CopyTo(bytes.AsSpan(Wire.InHeader));
        return bytes;
    }

    /// <summary>The next message written on the channel; fails the test when none arrives in time.</summary>
    public Reply Receive() => TryReceive(ReceiveTimeout) ?? throw new TimeoutException($"no reply within {ReceiveTimeout}");

    /// <summary>Asserts that nothing (more) is written within <paramref name="milliseconds"/>.</summary>
    public void AssertNoReply(int milliseconds = 200)
    {
        var reply = TryReceive(TimeSpan.FromMilliseconds(milliseconds));
        Assert.True(reply is null, $"unexpected message: {reply}");
    }

    public Reply ReceiveOk(ulong unique)
    {
        var reply = Receive();
        Assert.Equal(0, reply.Error);
        Assert.Equal(unique, reply.Unique);
        return reply;
    }

    public void ReceiveError(ulong unique, int errno)
    {
        var reply = Receive();
        Assert.Equal(unique, reply.Unique);
        Assert.Equal(-errno, reply.Error);
        Assert.Equal((uint)Wire.OutHeader, reply.Length);
        Assert.Empty(reply.Payload);
    }

    /// <summary>Waits (bounded) until every handler has finished and its request is back in the pool.</summary>
    public bool WaitIdle(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_available.CurrentCount != PoolSize)
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(5);
        }
        return true;
    }

    private Reply? TryReceive(TimeSpan timeout)
    {
        var poll = new PollFd { Fd = _peer, Events = POLLIN };
        int ready;
        do ready = Poll(&poll, 1, (int)timeout.TotalMilliseconds);
        while (ready < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (ready < 0) throw new IOException($"poll: errno {Marshal.GetLastPInvokeError()}");
        if (ready == 0) return null;
        var buffer = new byte[BufferSize + 4096];
        nint n;
        fixed (byte* b = buffer) n = Recv(_peer, b, (nuint)buffer.Length, MSG_TRUNC | MSG_DONTWAIT);
        if (n < 0) throw new IOException($"recv: errno {Marshal.GetLastPInvokeError()}");
        if (n > buffer.Length) throw new IOException($"a reply of {n} bytes did not fit the receive buffer");
        return new Reply(buffer.AsSpan(0, (int)n).ToArray());
    }

    public void Dispose()
    {
        // A handler that outlived its test could still write; let it finish before the fds can be reused.
        WaitIdle(TimeSpan.FromSeconds(5));
        Channel.Dispose();
        Close(_peer);
    }

    private static FieldInfo Field(Type type, string name) =>
        type.GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException(type.Name, name);

    private const int AF_UNIX = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000;
    private const int MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, EINTR = 4;
    private const short POLLIN = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

/// <summary>Sizes and flags of include/uapi/linux/fuse.h.</summary>
internal static class Wire
{
    public const int InHeader = 40, OutHeader = 16, Attr = 88, EntryOut = 128, AttrOut = 104, OpenOut = 16;
    public const int WriteOut = 8, Kstatfs = 80, Dirent = 24;
    public const uint FattrMode = 1 << 0, FattrUid = 1 << 1, FattrGid = 1 << 2, FattrSize = 1 << 3;
    public const uint FattrAtime = 1 << 4, FattrMtime = 1 << 5, FattrFh = 1 << 6, FattrCtime = 1 << 10;
    public const uint GetattrFh = 1;
    public const ulong IntReqBit = 1;
}

/// <summary>Little-endian request body: the opcode's struct, then names and data.</summary>
internal sealed class Body
{
    private readonly List<byte> _bytes = [];

    public Body U32(uint value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, value); return Bytes(b); }
    public Body U64(ulong value) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, value); return Bytes(b); }
    public Body Bytes(ReadOnlySpan<byte> bytes) { foreach (byte b in bytes) _bytes.Add(b); return this; }
    public Body Zeros(int count) => Bytes(new byte[count]);

    /// <summary>A NUL-terminated UTF-8 name, as the kernel sends names.</summary>
    public Body Name(string name) => Bytes(Encoding.UTF8.GetBytes(name)).Bytes([0]);

    /// <summary>UTF-8 bytes without the NUL (a malformed name).</summary>
    public Body Unterminated(string name) => Bytes(Encoding.UTF8.GetBytes(name));

    public int Length => _bytes.Count;
    public byte[] ToArray() => [.. _bytes];
}

/// <summary>One message read from the kernel's side: the 16-byte out-header (len, error, unique) and the payload.</summary>
internal sealed class Reply(byte[] bytes)
{
    public byte[] Bytes { get; } = bytes;
    public uint Length => BinaryPrimitives.ReadUInt32LittleEndian(Bytes);
    public int Error => BinaryPrimitives.ReadInt32LittleEndian(Bytes.AsSpan(4));
    public ulong Unique => BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan(8));
    public byte[] Payload => Bytes[Wire.OutHeader..];

    public uint U32(int payloadOffset) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(Wire.OutHeader + payloadOffset));
    public int I32(int payloadOffset) => BinaryPrimitives.ReadInt32LittleEndian(Bytes.AsSpan(Wire.OutHeader + payloadOffset));
    public ulong U64(int payloadOffset) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan(Wire.OutHeader + payloadOffset));

    public override string ToString() => $"reply len={Length} error={Error} unique={Unique} ({Bytes.Length} bytes read)";
}

/// <summary>What a handler was called with, copied out of the request buffer (names and data die with the reply).</summary>
internal sealed record Call(string Op, ulong Node)
{
    public ulong Unique { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public uint Pid { get; init; }
    public string? Name { get; init; }
    public string? Name2 { get; init; }
    public byte[]? NameBytes { get; init; }
    public ulong NewParent { get; init; }
    public ulong? Handle { get; init; }
    public long Offset { get; init; }
    public int Size { get; init; }
    public byte[]? Data { get; init; }
    public uint Mode { get; init; }
    public uint Umask { get; init; }
    public uint Rdev { get; init; }
    public long Flags { get; init; }
    public bool Plus { get; init; }
    public SetAttrRequest? Change { get; init; }
    public FuseForgetOne[]? Forgets { get; init; }
}

/// <summary>Records every call, then answers through <see cref="Respond"/> (ReplyOk unless a test says otherwise).</summary>
internal sealed class RecordingFileSystem : IFuseFileSystem
{
    private readonly ConcurrentQueue<Call> _calls = new();

    public Func<FuseRequest, Call, ValueTask> Respond { get; set; } = (r, _) => r.ReplyOk();

    public Call[] Calls => [.. _calls];

    public Call Single() => Assert.Single(Calls);

    private ValueTask Record(FuseRequest r, Call call)
    {
        call = call with { Unique = r.Unique, Uid = r.Uid, Gid = r.Gid, Pid = r.Pid };
        _calls.Enqueue(call);
        return Respond(r, call);
    }

    /// <summary>Runs after a FORGET or BATCH_FORGET is recorded (a test can make it throw).</summary>
    public Action<FuseForgetOne[]>? OnForget { get; set; }

    public void Forget(ReadOnlySpan<FuseForgetOne> forgets)
    {
        var call = new Call("Forget", 0) { Forgets = forgets.ToArray() };
        _calls.Enqueue(call);
        OnForget?.Invoke(call.Forgets);
    }

    public ValueTask Lookup(FuseRequest r, ulong parent, FuseName name) =>
        Record(r, new Call("Lookup", parent) { Name = name.ToString(), NameBytes = name.Span.ToArray() });

    public ValueTask GetAttr(FuseRequest r, ulong node, ulong? handle) => Record(r, new Call("GetAttr", node) { Handle = handle });

    public ValueTask SetAttr(FuseRequest r, ulong node, SetAttrRequest change) => Record(r, new Call("SetAttr", node) { Change = change, Handle = change.Handle });

    public ValueTask ReadLink(FuseRequest r, ulong node) => Record(r, new Call("ReadLink", node));

    public ValueTask Symlink(FuseRequest r, ulong parent, FuseName name, FuseName target) =>
        Record(r, new Call("Symlink", parent) { Name = name.ToString(), Name2 = target.ToString() });

    public ValueTask MkNod(FuseRequest r, ulong parent, FuseName name, uint mode, uint rdev, uint umask) =>
        Record(r, new Call("MkNod", parent) { Name = name.ToString(), Mode = mode, Rdev = rdev, Umask = umask });

    public ValueTask MkDir(FuseRequest r, ulong parent, FuseName name, uint mode, uint umask) =>
        Record(r, new Call("MkDir", parent) { Name = name.ToString(), Mode = mode, Umask = umask });

    public ValueTask Unlink(FuseRequest r, ulong parent, FuseName name) => Record(r, new Call("Unlink", parent) { Name = name.ToString() });

    public ValueTask RmDir(FuseRequest r, ulong parent, FuseName name) => Record(r, new Call("RmDir", parent) { Name = name.ToString() });

    public ValueTask Rename(FuseRequest r, ulong parent, FuseName name, ulong newParent, FuseName newName, uint flags) =>
        Record(r, new Call("Rename", parent) { Name = name.ToString(), NewParent = newParent, Name2 = newName.ToString(), Flags = flags });

    public ValueTask Link(FuseRequest r, ulong node, ulong newParent, FuseName newName) =>
        Record(r, new Call("Link", node) { NewParent = newParent, Name = newName.ToString() });

    public ValueTask Open(FuseRequest r, ulong node, int flags) => Record(r, new Call("Open", node) { Flags = flags });

    public ValueTask Create(FuseRequest r, ulong parent, FuseName name, uint mode, uint umask, int flags) =>
        Record(r, new Call("Create", parent) { Name = name.ToString(), Mode = mode, Umask = umask, Flags = flags });

    public ValueTask Read(FuseRequest r, ulong node, ulong handle, long offset, int size) =>
        Record(r, new Call("Read", node) { Handle = handle, Offset = offset, Size = size });

    public ValueTask Write(FuseRequest r, ulong node, ulong handle, long offset, FuseData data, uint writeFlags) =>
        Record(r, new Call("Write", node) { Handle = handle, Offset = offset, Size = data.Length, Data = data.Span.ToArray(), Flags = writeFlags });

    public ValueTask Flush(FuseRequest r, ulong node, ulong handle, ulong lockOwner) => Record(r, new Call("Flush", node) { Handle = handle });

    public ValueTask Fsync(FuseRequest r, ulong node, ulong handle, bool dataOnly) => Record(r, new Call("Fsync", node) { Handle = handle, Flags = dataOnly ? 1 : 0 });

    public ValueTask Release(FuseRequest r, ulong node, ulong handle, int flags) => Record(r, new Call("Release", node) { Handle = handle, Flags = flags });

    public ValueTask StatFs(FuseRequest r, ulong node) => Record(r, new Call("StatFs", node));

    public ValueTask Access(FuseRequest r, ulong node, int mask) => Record(r, new Call("Access", node) { Flags = mask });

    public ValueTask OpenDir(FuseRequest r, ulong node, int flags) => Record(r, new Call("OpenDir", node) { Flags = flags });

    public ValueTask ReadDir(FuseRequest r, ulong node, ulong handle, ulong offset, bool plus) =>
        Record(r, new Call("ReadDir", node) { Handle = handle, Offset = (long)offset, Plus = plus });

    public ValueTask GetXattr(FuseRequest r, ulong node, FuseName name, int size) =>
        Record(r, new Call("GetXattr", node) { Name = name.ToString(), Size = size });

    public ValueTask SetXattr(FuseRequest r, ulong node, FuseName name, FuseData value, int flags) =>
        Record(r, new Call("SetXattr", node) { Name = name.ToString(), Data = value.Span.ToArray(), Size = value.Length, Flags = flags });

    public ValueTask ListXattr(FuseRequest r, ulong node, int size) => Record(r, new Call("ListXattr", node) { Size = size });

    public ValueTask RemoveXattr(FuseRequest r, ulong node, FuseName name) => Record(r, new Call("RemoveXattr", node) { Name = name.ToString() });

    public ValueTask Lseek(FuseRequest r, ulong node, ulong handle, long offset, int whence) =>
        Record(r, new Call("Lseek", node) { Handle = handle, Offset = offset, Flags = whence });
}

internal sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> _entries = new();

    public (LogLevel Level, string Message, Exception? Exception)[] Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, formatter(state, exception), exception));
}
