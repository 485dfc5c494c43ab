using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TenantKit.EfCore.Tests.Infrastructure;

/// <summary>Keeps every log entry, for tests that check what is logged.</summary>
public sealed class TestLogs : ILoggerProvider
{
    public ConcurrentQueue<(string Category, EventId EventId, LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TestLogs logs, string category) : ILogger
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
