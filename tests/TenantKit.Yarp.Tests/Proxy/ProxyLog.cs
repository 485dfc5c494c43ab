using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TenantKit.Yarp.Tests.Proxy;

/// <summary>The proxy's warnings and errors with their exceptions (the last 500), for failure messages.</summary>
public sealed class ProxyLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public override string ToString() => string.Join('\n', _entries);

    private sealed class Logger(ProxyLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            log._entries.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message} {exception?.InnerException?.GetType().Name}: {exception?.InnerException?.Message}");
            while (log._entries.Count > 500)
            {
                log._entries.TryDequeue(out _);
            }
        }
    }
}
