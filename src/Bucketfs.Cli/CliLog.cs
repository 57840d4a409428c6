using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli;

/// <summary>The command's own log messages (event ids 400-499).</summary>
internal static partial class CliLog
{
    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "No control socket at {Path} ({Error}): bucketfs stats cannot reach this mount")]
    public static partial void ControlSocketFailed(this ILogger log, string path, string error);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "A control socket request failed")]
    public static partial void ControlRequestFailed(this ILogger log, Exception exception);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Metrics: {Where}")]
    public static partial void MetricsExported(this ILogger log, string where);
}
