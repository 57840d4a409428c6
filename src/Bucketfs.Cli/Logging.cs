using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Bucketfs.Cli;

internal static class Logging
{
    /// <summary>Logs to stderr, or to <paramref name="file"/> when given (the background daemon has no terminal).</summary>
    public static ILoggerFactory Create(bool debug, string? file = null) => LoggerFactory.Create(builder =>
    {
        var level = debug ? LogLevel.Debug : LogLevel.Information;
        builder.SetMinimumLevel(level);
        if (file != null)
        {
            builder.AddProvider(new FileLoggerProvider(file, level));
            return;
        }
        // Logs go to stderr so stdout stays for what a command prints.
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
    });
}
