using Bucketfs.Fuse.Protocol;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Fuse.Session;

/// <summary>The FUSE layer's log messages (event ids 100-199).</summary>
internal static partial class FuseLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "FUSE {Major}.{Minor} negotiated: max_write {MaxWrite}, max_readahead {MaxReadahead}, {Readers} readers, passthrough {Passthrough}, flags {Flags}")]
    public static partial void Negotiated(this ILogger log, uint major, uint minor, uint maxWrite, uint maxReadahead, int readers, bool passthrough, FuseInitFlags flags);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Writing the reply to {Opcode} #{Unique} failed: {Error}")]
    public static partial void ReplyFailed(this ILogger log, FuseOpcode opcode, ulong unique, string error);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "{Opcode} on node {Node} failed; answered EIO")]
    public static partial void HandlerFailed(this ILogger log, FuseOpcode opcode, ulong node, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "{Opcode} on node {Node} found no answer within the request timeout ({Seconds} s); answered EIO")]
    public static partial void RequestTimedOut(this ILogger log, FuseOpcode opcode, ulong node, double seconds);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "{Opcode} on node {Node} completed without a reply; answered EIO")]
    public static partial void HandlerDidNotReply(this ILogger log, FuseOpcode opcode, ulong node);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "A cancellation callback of an interrupted {Opcode} threw")]
    public static partial void HandlerCancellationFailed(this ILogger log, FuseOpcode opcode, Exception exception);

    [LoggerMessage(EventId = 107, Level = LogLevel.Debug, Message = "{Opcode} #{Unique} node {Node} uid {Uid} pid {Pid}")]
    public static partial void Request(this ILogger log, FuseOpcode opcode, ulong unique, ulong node, uint uid, uint pid);

    [LoggerMessage(EventId = 108, Level = LogLevel.Error, Message = "Reading /dev/fuse failed: {Error}; this reader stops")]
    public static partial void ReadFailed(this ILogger log, string error);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "The kernel ended the FUSE connection of {Mountpoint}")]
    public static partial void ConnectionEnded(this ILogger log, string mountpoint);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "{Mountpoint} is busy; retrying unmount in {DelayMs} ms")]
    public static partial void UnmountBusy(this ILogger log, string mountpoint, int delayMs);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "{Mountpoint} was already detached (umount -l); serving its open files until the last is closed")]
    public static partial void AlreadyDetached(this ILogger log, string mountpoint);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "{Mountpoint} was left by a dead daemon (transport endpoint not connected); clearing it")]
    public static partial void ClearingStaleMount(this ILogger log, string mountpoint);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Notification {Code} failed: {Error}")]
    public static partial void NotifyFailed(this ILogger log, FuseNotifyCode code, string error);
}
