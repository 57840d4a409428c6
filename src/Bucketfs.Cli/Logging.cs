using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Bucketfs.Cli;

internal static class Logging
{
    public static ILoggerFactory Create(bool debug) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(debug ? LogLevel.Debug : LogLevel.Information);
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
