using System.Text;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli;

/// <summary>
/// Appends log lines to a file, for the background daemon. When the file passes its size limit it
/// is moved to NAME.1 (replacing the previous one) and started afresh, so logs stay bounded.
/// One process writes a log file at a time: the file is locked while open (a record lock, which
/// readers' flock does not meet), and a process that finds it locked writes nothing to it, so a
/// failed second mount of the same mountpoint leaves the running daemon's log as it was.
/// </summary>
internal sealed class FileLoggerProvider(string path, LogLevel minimum, long maxBytes = 16 << 20) : ILoggerProvider
{
    private readonly Lock _lock = new();
    private StreamWriter? _writer;
    private bool _refused;

    public string Path => path;

    /// <summary>Opens the file for this process alone; false when another process is writing it.</summary>
    public bool Claim()
    {
        lock (_lock)
        {
            if (_writer is null && !_refused) _writer = Open();
            return _writer != null;
        }
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, minimum);

    private void Write(LogLevel level, string message, Exception? exception)
    {
        var line = new StringBuilder()
            .Append(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture))
            .Append(' ').Append(level.ToString().ToLowerInvariant()).Append(": ").Append(message);
        if (exception != null) line.Append(" | ").Append(exception.GetType().Name).Append(": ").Append(exception.Message);
        lock (_lock)
        {
            if (_writer is null && !_refused) _writer = Open();
            if (_writer is null) return;
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

    private StreamWriter? Open()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        try
        {
            stream.Lock(0, long.MaxValue);
        }
        catch (IOException)
        {
            stream.Dispose();
            _refused = true;
            return null;
        }
        return new StreamWriter(stream);
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
