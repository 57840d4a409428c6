using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Bucketfs.Cli;

internal static class Logging
{
    public static LogLevel Level(bool debug) => debug ? LogLevel.Debug : LogLevel.Information;

    /// <summary>Logs to stderr, or to <paramref name="file"/> when given (the background daemon has no terminal).</summary>
    public static ILoggerFactory Create(bool debug, FileLoggerProvider? file = null) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(Level(debug));
        if (file != null)
        {
            builder.AddProvider(file);
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
