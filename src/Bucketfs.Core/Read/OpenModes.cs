using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Core.Read;

/// <summary>
/// How each open inode is read: by the kernel from a complete cached copy (FUSE passthrough), or
/// through the daemon. The kernel decides per inode (fs/fuse/iomode.c): while one handle is open in
/// passthrough every other open of that inode must name the same backing file, and a passthrough
/// open fails while a handle the daemon serves is open. Both kinds are counted here so every open
/// gets the mode the kernel will accept.
/// </summary>
internal sealed class OpenModes(IPassthroughFiles kernel, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, State> _states = [];

    private sealed class State
    {
        public int Served;
        public int Passthrough;
        public int BackingId;
        public string ETag = "";
        public SafeFileHandle? File;
        public TaskCompletionSource? Drained;
    }

    /// <summary>The backing id of this version when the inode is already read in passthrough (taking a handle's reference), else 0.</summary>
    public int Join(ulong inode, string etag)
    {
        lock (_lock) return _states.TryGetValue(inode, out var state) ? JoinLocked(state, etag) : 0;
    }

    private static int JoinLocked(State state, string etag)
    {
        if (state.Passthrough == 0 || state.ETag != etag) return 0;
        state.Passthrough++;
        return state.BackingId;
    }

    /// <summary>
    /// Starts passthrough from <paramref name="file"/> (taking it over) unless the daemon serves a
    /// handle of the inode; returns the backing id, or 0 when the file was not used.
    /// </summary>
    public int Start(ulong inode, string etag, SafeFileHandle file)
    {
        lock (_lock)
        {
            var state = StateOf(inode);
            if (state.Served > 0 || state.Passthrough > 0)
            {
                // Another open got there first while the file was verified.
                file.Dispose();
                return JoinLocked(state, etag);
            }
            state.BackingId = kernel.Register(file);
            state.File = file;
            state.ETag = etag;
            state.Passthrough = 1;
            return state.BackingId;
        }
    }

    /// <summary>
    /// Counts a handle the daemon serves. While the kernel reads the inode in passthrough, waits up
    /// to <paramref name="patience"/> for those handles to close first: the kernel sends RELEASE
    /// after close() has returned, so a program that closes a file and at once opens it for writing
    /// would otherwise be refused now and then. False when they stay open (the open must fail).
    /// </summary>
    public async Task<bool> ServeAsync(ulong inode, TimeSpan patience, CancellationToken cancellation)
    {
        long started = time.GetTimestamp();
        while (true)
        {
            Task drained;
            lock (_lock)
            {
                var state = StateOf(inode);
                if (state.Passthrough == 0)
                {
                    state.Served++;
                    return true;
                }
                drained = (state.Drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
            var left = patience - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero) return false;
            try
            {
                await drained.WaitAsync(left, time, cancellation).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }

    /// <summary>A handle closed: <paramref name="backingId"/> is what it was opened with (0 when served by the daemon).</summary>
    public void Released(ulong inode, int backingId)
    {
        lock (_lock)
        {
            if (!_states.TryGetValue(inode, out var state)) return;
            if (backingId == 0) state.Served--;
            else if (--state.Passthrough == 0)
            {
                kernel.Unregister(state.BackingId);
                state.File?.Dispose();
                state.File = null;
                state.Drained?.TrySetResult();
                state.Drained = null;
            }
            if (state.Served == 0 && state.Passthrough == 0) _states.Remove(inode);
        }
    }

    private State StateOf(ulong inode)
    {
        if (!_states.TryGetValue(inode, out var state)) _states[inode] = state = new State();
        return state;
    }
}
