using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TenantKit.Tests.Support;

/// <summary>One log entry captured by <see cref="CapturingLoggerProvider"/>.</summary>
internal sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>Keeps every log entry, and lets a test wait for an entry without sleeping.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly object _sync = new();
    private readonly List<CapturedLog> _entries = [];
    private readonly List<(Func<CapturedLog, bool> Match, TaskCompletionSource<CapturedLog> Signal)> _waiters = [];

    public IReadOnlyList<CapturedLog> Entries
    {
        get
        {
            lock (_sync)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Completes with the first entry (already logged or logged later) that matches.</summary>
    public Task<CapturedLog> WaitForAsync(Func<CapturedLog, bool> match)
    {
        lock (_sync)
        {
            foreach (var entry in _entries)
            {
                if (match(entry))
                {
                    return Task.FromResult(entry);
                }
            }

            var signal = new TaskCompletionSource<CapturedLog>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, signal));
            return signal.Task;
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(CapturedLog entry)
    {
        lock (_sync)
        {
            _entries.Add(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    _waiters[i].Signal.TrySetResult(entry);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner.Add(new CapturedLog(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
