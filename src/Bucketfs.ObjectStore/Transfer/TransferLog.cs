using Microsoft.Extensions.Logging;

namespace Bucketfs.ObjectStore.Transfer;

internal static partial class TransferLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "{Key}: {Reason}")]
    public static partial void Failed(this ILogger log, string key, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Key}: would copy ({Size} bytes)")]
    public static partial void WouldCopy(this ILogger log, string key, long size);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Key}: would delete")]
    public static partial void WouldDelete(this ILogger log, string key);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Key}: copied ({Size} bytes)")]
    public static partial void Copied(this ILogger log, string key, long size);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Key}: deleted")]
    public static partial void Deleted(this ILogger log, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key}: not in the source, not copied")]
    public static partial void NotInSource(this ILogger log, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Not deleting {Count} files from the destination: there were errors")]
    public static partial void DeletionsHeldBack(this ILogger log, long count);
}
