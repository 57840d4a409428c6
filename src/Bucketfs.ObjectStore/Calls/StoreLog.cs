using Microsoft.Extensions.Logging;

namespace Bucketfs.ObjectStore.Calls;

/// <summary>The store layer's log messages (event ids 200-299).</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "{Method} {Key}{Range} -> {Status} {Outcome}, {Bytes} bytes, {Milliseconds} ms, attempt {Attempt}")]
    public static partial void Attempted(this ILogger log, string method, string key, string range, int status, string outcome, long bytes, long milliseconds, int attempt);
}
