using System.Text;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli;

/// <summary>
/// Appends log lines to a file, for the background daemon. When the file passes its size limit it
/// is moved to NAME.1 (replacing the previous one) and started afresh, so logs stay bounded.
/// </summary>
internal sealed class FileLoggerProvider(string path, LogLevel minimum, long maxBytes = 16 << 20) : ILoggerProvider
{
    private readonly Lock _lock = new();
    private StreamWriter? _writer;

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, minimum);

    private void Write(LogLevel level, string message, Exception? exception)
    {
        var line = new StringBuilder()
            .Append(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture))
            .Append(' ').Append(level.ToString().ToLowerInvariant()).Append(": ").Append(message);
        if (exception != null) line.Append(" | ").Append(exception.GetType().Name).Append(": ").Append(exception.Message);
        lock (_lock)
        {
            _writer ??= Open();
            _writer.WriteLine(line);
            _writer.Flush();
            if (_writer.BaseStream.Length > maxBytes)
            {
                _writer.Dispose();
                File.Move(path, path + ".1", overwrite: true);
                _writer = Open();
            }
        }
    }

    private StreamWriter Open()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
    }

    public void Dispose()
    {
        lock (_lock) _writer?.Dispose();
    }

    private sealed class FileLogger(FileLoggerProvider provider, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) provider.Write(logLevel, formatter(state, exception), exception);
        }
    }
}
