using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Tests.Cache;

/// <summary>Keeps what is logged at Warning and above, to check what a user would be told.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly List<string> _warnings = [];

    public IReadOnlyList<string> Warnings
    {
        get { lock (_warnings) return [.. _warnings]; }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        lock (_warnings) _warnings.Add(formatter(state, exception));
    }
}
