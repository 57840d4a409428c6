using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Bucketfs.Fuse.Mounting;
using Bucketfs.Fuse.Native;
using Bucketfs.Fuse.Protocol;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Fuse.Session;

/// <summary>
/// A mounted filesystem: the kernel connection, INIT negotiation, and reader threads that decode
/// requests and hand them to the filesystem. <see cref="Mount"/> returns once the kernel has
/// accepted INIT, so the mount is usable when it returns.
/// </summary>
public sealed class FuseSession : IDisposable
{
    public const uint RequiredMinor = 31;
    private const uint KernelMajor = 7;
    private const uint SupportedMinor = 45;
    private const ulong InterruptBit = 1;

    private readonly IFuseFileSystem _fs;
    private readonly MountOptions _mount;
    private readonly SessionOptions _options;
    private readonly RequestDispatcher _dispatcher;
    private readonly RequestPool _pool;
    private readonly FuseMetrics? _metrics;
    private readonly ConcurrentDictionary<ulong, FuseRequest> _interruptible = new();
    private readonly List<FuseChannel> _channels = [];
    private readonly List<Thread> _readers = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly uint _ownerUid = LibC.GetEffectiveUid();
    private int _runningReaders;
    private int _unmounted;
    private string? _device;

    internal FuseSession(IFuseFileSystem fs, MountOptions mount, SessionOptions options, ILogger log)
    {
        _fs = fs;
        _mount = mount;
        _options = options;
        Log = log;
        _dispatcher = new RequestDispatcher(fs);
        _pool = new RequestPool(this, options.MaxRequestsInFlight, options.BufferSize);
        if (options.Meter is { } meter) _metrics = new FuseMetrics(meter, options.Time);
        Mountpoint = Path.GetFullPath(mount.Mountpoint);
    }

    public string Mountpoint { get; }

    public FuseConnection Connection { get; private set; } = null!;

    /// <summary>Completes when the kernel has ended the connection (unmounted) and every reader has stopped.</summary>
    public Task Completion => _completion.Task;

    internal ILogger Log { get; }

    /// <summary>Mounts <paramref name="fs"/>, negotiates INIT and starts serving.</summary>
    public static FuseSession Mount(IFuseFileSystem fs, MountOptions mount, SessionOptions options, ILogger log)
    {
        StructSizes.Verify();
        var session = new FuseSession(fs, mount, options, log);
        int fd = FuseMount.Mount(mount, log);
        session._device = MountTable.DeviceAt(session.Mountpoint);
        var master = new FuseChannel(session, fd);
        session._channels.Add(master);
        try
        {
            session.Initialize(master);
            session.StartReaders();
            if (options.ReadAheadKb > 0 && LibC.GetEffectiveUid() == 0) ReadAhead.Raise(session.Mountpoint, options.ReadAheadKb, log);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        return session;
    }

    /// <summary>
    /// Unmounts, retrying while busy until <paramref name="timeout"/>; lazy detaches at once. A mount
    /// already detached from outside (umount -l with files open) is left as it is: the connection
    /// ends when its last file is closed, and whatever now sits at the path is someone else's.
    /// </summary>
    public void Unmount(bool lazy = false, TimeSpan? timeout = null)
    {
        if (Volatile.Read(ref _unmounted) != 0 || _completion.Task.IsCompleted) return;
        if (!IsAttached)
        {
            Log.AlreadyDetached(Mountpoint);
        }
        else
        {
            try
            {
                Unmounter.Unmount(Mountpoint, lazy, timeout ?? TimeSpan.FromSeconds(10), Log);
            }
            catch (FuseMountException) when (!IsAttached)
            {
                // Detached from outside while this was trying: that is what was asked for.
            }
        }
        Volatile.Write(ref _unmounted, 1);
    }

    /// <summary>Whether this session's mount still sits at the mountpoint (by device, so another mount there later does not count).</summary>
    private bool IsAttached => _device is null || MountTable.DeviceAt(Mountpoint) == _device;

    private unsafe void Initialize(FuseChannel master)
    {
        var request = _pool.Rent();
        try
        {
            while (true)
            {
                int n = master.Read(request.Buffer, request.Capacity);
                if (n < 0) throw new FuseMountException($"reading INIT from /dev/fuse: {LibC.Describe(-n)}");
                request.Begin(master, n);
                if (request.Opcode != FuseOpcode.Init)
                {
                    request.ReplyError(Errno.EIO);
                    continue;
                }
                if (Negotiate(request)) return;
            }
        }
        finally
        {
            _pool.Return(request);
        }
    }

    /// <summary>Answers INIT; false when the kernel must send INIT again (it offered a newer major).</summary>
    private bool Negotiate(FuseRequest request)
    {
        // Kernels before 7.36 send only the first 16 bytes of fuse_init_in.
        var init = request.ArgPrefix<InitIn>();
        if (init.Major > KernelMajor)
        {
            var retry = new InitOut { Major = KernelMajor, Minor = SupportedMinor };
            SendInit(request, ref retry);
            return false;
        }
        if (init.Major < KernelMajor || init.Minor < RequiredMinor)
        {
            request.ReplyError(Errno.EPROTO);
            throw new FuseMountException($"the kernel speaks FUSE {init.Major}.{init.Minor}; bucketfs needs {KernelMajor}.{RequiredMinor} or newer (Linux 5.9+)");
        }

        var offered = (FuseInitFlags)init.Flags;
        if ((offered & FuseInitFlags.InitExt) != 0) offered |= (FuseInitFlags)((ulong)init.Flags2 << 32);
        var wanted = FuseInitFlags.AsyncRead | FuseInitFlags.BigWrites | FuseInitFlags.MaxPages | FuseInitFlags.ParallelDirOps
            | FuseInitFlags.DoReadDirPlus | FuseInitFlags.ReadDirPlusAuto | FuseInitFlags.AtomicOTrunc | FuseInitFlags.InitExt
            | FuseInitFlags.AsyncDio
            | (_options.ExplicitInvalidateData ? FuseInitFlags.ExplicitInvalData : FuseInitFlags.AutoInvalData)
            | (_options.CacheSymlinks ? FuseInitFlags.CacheSymlinks : 0)
            | (_options.Passthrough && LibC.GetEffectiveUid() == 0 ? FuseInitFlags.Passthrough : 0);
        var agreed = offered & wanted;

        int maxWrite = _options.MaxWrite;
        var reply = new InitOut
        {
            Major = KernelMajor,
            Minor = Math.Min(init.Minor, SupportedMinor),
            MaxReadahead = init.MaxReadahead,
            Flags = (uint)agreed,
            Flags2 = (uint)((ulong)agreed >> 32),
            MaxBackground = (ushort)_options.MaxBackground,
            CongestionThreshold = (ushort)(_options.MaxBackground * 3 / 4),
            MaxWrite = (uint)maxWrite,
            TimeGran = 1,
            MaxPages = (ushort)(maxWrite / 4096),
            MaxStackDepth = (agreed & FuseInitFlags.Passthrough) != 0 ? 1u : 0u,
        };
        SendInit(request, ref reply);
        Connection = new FuseConnection(request.Channel, Log, reply.Minor, agreed, maxWrite, (int)init.MaxReadahead, Mountpoint);
        Log.Negotiated(reply.Major, reply.Minor, reply.MaxWrite, reply.MaxReadahead, _options.ReaderThreads, Connection.PassthroughEnabled, agreed);
        _fs.Init(Connection);
        return true;
    }

    private static void SendInit(FuseRequest request, ref InitOut reply) =>
        request.ReplyData(MemoryMarshal.AsBytes(new ReadOnlySpan<InitOut>(ref reply)));

    private void StartReaders()
    {
        var master = _channels[0];
        for (int i = 1; i < _options.ReaderThreads; i++)
            _channels.Add(new FuseChannel(this, FuseChannel.Clone(master.Fd)));
        _runningReaders = _channels.Count;
        for (int i = 0; i < _channels.Count; i++)
        {
            var channel = _channels[i];
            var thread = new Thread(() => ReadLoop(channel)) { IsBackground = true, Name = $"fuse-reader-{i}" };
            _readers.Add(thread);
            thread.Start();
        }
    }

    private unsafe void ReadLoop(FuseChannel channel)
    {
        var request = _pool.Rent();
        try
        {
            while (true)
            {
                int n = channel.Read(request.Buffer, request.Capacity);
                if (n < 0)
                {
                    if (-n != Errno.ENODEV) Log.ReadFailed(LibC.Describe(-n));
                    break;
                }
                request.Begin(channel, n);
                if (Log.IsEnabled(LogLevel.Debug)) Log.Request(request.Opcode, request.Unique, request.NodeId, request.Uid, request.Pid);
                if (!Serve(request)) request = _pool.Rent();
            }
        }
        finally
        {
            _pool.Return(request);
            if (Interlocked.Decrement(ref _runningReaders) == 0) Finish();
        }
    }

    /// <summary>Serves one request; false when its handler is still running and keeps the request object.</summary>
    internal unsafe bool Serve(FuseRequest request)
    {
        switch (request.Opcode)
        {
            case FuseOpcode.Forget or FuseOpcode.BatchForget or FuseOpcode.Interrupt:
                // No reply is owed, so a failure is only logged; it must not end the reader thread.
                try
                {
                    ServeUnanswered(request);
                }
                catch (Exception e)
                {
                    Log.HandlerFailed(request.Opcode, request.NodeId, e);
                }
                return true;
            case FuseOpcode.Init:
                request.ReplyError(Errno.EIO);
                return true;
        }
        if (_mount.AllowRoot && request.Uid != 0 && request.Uid != _ownerUid && !RequestDispatcher.UsesOpenHandle(request.Opcode))
        {
            request.ReplyError(Errno.EACCES);
            return true;
        }

        ValueTask pending;
        try
        {
            pending = _dispatcher.Dispatch(request);
        }
        catch (Exception e)
        {
            Fail(request, e);
            Finish(request);
            return true;
        }
        if (!pending.IsCompleted)
        {
            _ = FinishLater(pending, request);
            return false;
        }
        try
        {
            pending.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Fail(request, e);
        }
        Finish(request);
        return true;
    }

    private async Task FinishLater(ValueTask pending, FuseRequest request)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fail(request, e);
        }
        Finish(request);
        _pool.Return(request);
    }

    private void Finish(FuseRequest request)
    {
        if (!request.IsReplied)
        {
            Log.HandlerDidNotReply(request.Opcode, request.NodeId);
            request.ReplyError(Errno.EIO);
        }
        _metrics?.Served(request.Opcode, request.Failed, request.Arrived);
        request.Complete();
    }

    private void Fail(FuseRequest request, Exception e)
    {
        switch (e)
        {
            case FuseException fe:
                request.ReplyError(fe.Errno);
                break;
            case OperationCanceledException when request.TimedOut:
                Log.RequestTimedOut(request.Opcode, request.NodeId, _options.RequestTimeout!.Value.TotalSeconds);
                request.ReplyError(Errno.EIO);
                break;
            case OperationCanceledException:
                request.ReplyError(Errno.EINTR);
                break;
            default:
                if (_fs.ErrnoFor(e) is { } errno)
                {
                    request.ReplyError(errno);
                    break;
                }
                if (!request.IsReplied) Log.HandlerFailed(request.Opcode, request.NodeId, e);
                request.ReplyError(Errno.EIO);
                break;
        }
    }

    private unsafe void ServeUnanswered(FuseRequest request)
    {
        switch (request.Opcode)
        {
            case FuseOpcode.Forget:
                var one = new FuseForgetOne { NodeId = request.NodeId, Lookups = request.Arg<ulong>() };
                _fs.Forget(new ReadOnlySpan<FuseForgetOne>(&one, 1));
                break;
            case FuseOpcode.BatchForget:
                ForgetBatch(request);
                break;
            default:
                Interrupt(request);
                break;
        }
    }

    private unsafe void ForgetBatch(FuseRequest request)
    {
        uint count = request.Arg<BatchForgetIn>().Count;
        int available = (request.Length - sizeof(InHeader) - sizeof(BatchForgetIn)) / sizeof(FuseForgetOne);
        var forgets = new ReadOnlySpan<FuseForgetOne>(request.Buffer + sizeof(InHeader) + sizeof(BatchForgetIn), (int)Math.Min(count, (uint)available));
        _fs.Forget(forgets);
    }

    private void Interrupt(FuseRequest request)
    {
        ulong target = request.Arg<InterruptIn>().Unique;
        if (_interruptible.TryGetValue(target, out var victim))
        {
            victim.Interrupt(target);
            return;
        }
        // Not (yet) interruptible: EAGAIN makes the kernel queue the interrupt again; once the target
        // is answered the kernel drops it.
        request.ReplyError(Errno.EAGAIN);
    }

    internal TimeSpan? RequestTimeout => _options.RequestTimeout;

    internal TimeProvider Time => _options.Time;

    internal void Track(FuseRequest request) => _interruptible[request.Unique] = request;

    internal void Untrack(FuseRequest request) => _interruptible.TryRemove(new KeyValuePair<ulong, FuseRequest>(request.Unique, request));

    private void Finish()
    {
        Log.ConnectionEnded(Mountpoint);
        try
        {
            _fs.Destroy();
        }
        finally
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>Unmounts lazily if still mounted, waits briefly for the readers, and releases the descriptors.</summary>
    public void Dispose()
    {
        if (_readers.Count > 0 && !_completion.Task.IsCompleted)
        {
            try { Unmount(lazy: true); }
            catch (FuseMountException) { }
            _completion.Task.Wait(TimeSpan.FromSeconds(5));
        }
        else if (_readers.Count == 0 && Unmounter.IsMountpoint(Mountpoint))
        {
            // Mounted but INIT failed: nobody will serve it, so detach it now.
            try { Unmounter.Unmount(Mountpoint, lazy: true, TimeSpan.FromSeconds(5), Log); }
            catch (FuseMountException) { }
        }
        if (_completion.Task.IsCompleted || _readers.Count == 0)
        {
            foreach (var channel in _channels) channel.Dispose();
            _pool.Dispose();
        }
    }
}
