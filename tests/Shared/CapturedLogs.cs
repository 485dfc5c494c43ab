using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TenantKit.Testing;

/// <summary>Keeps every log entry (Information and up), for tests that check what is logged.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<(string Category, EventId EventId, LogLevel Level, string Message)> Entries { get; } = new();

    /// <summary>
    /// The ids of TenantKit's entries (not the health check service's, for one) logged at <paramref name="level"/>, in
    /// order, after the first <paramref name="skip"/> entries.
    /// </summary>
    public IReadOnlyList<int> Ids(LogLevel level, int skip = 0)
        => [.. Entries.Skip(skip).Where(e => e.Level == level && e.Category.StartsWith("TenantKit", StringComparison.Ordinal)).Select(e => e.EventId.Id)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                logs.Entries.Enqueue((category, eventId, logLevel, formatter(state, exception)));
            }
        }
    }
}
