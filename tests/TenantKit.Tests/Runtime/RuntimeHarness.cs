using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TenantKit.Diagnostics;
using TenantKit.Runtime;

namespace TenantKit.Tests.Runtime;

/// <summary>
/// A real host (Microsoft.Extensions.Hosting) with TenantKit, an in-memory store, a fake clock, captured logs and a
/// <see cref="GenerationProbe"/> in every tenant generation, so tests can see builds and disposals.
/// </summary>
internal sealed class RuntimeHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Epoch = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private bool _started;

    private RuntimeHarness(IHost host, TestTimeProvider? time, LogCollector logs, ProbeRegistry probes)
    {
        Host = host;
        FakeTime = time;
        Logs = logs;
        Probes = probes;
    }

    public IHost Host { get; }

    public IServiceProvider Services => Host.Services;

    /// <summary>The fake clock, or <see langword="null"/> when the harness runs on the system clock.</summary>
    public TestTimeProvider? FakeTime { get; }

    public TestTimeProvider Time => FakeTime ?? throw new InvalidOperationException("This harness runs on the system clock.");

    public LogCollector Logs { get; }

    public ProbeRegistry Probes { get; }

    public TenantRuntime Runtime => Services.GetRequiredService<TenantRuntime>();

    public ITenantRuntime PublicRuntime => Services.GetRequiredService<ITenantRuntime>();

    public ITenantCatalog Catalog => Services.GetRequiredService<ITenantCatalog>();

    public ITenantChangeFeed Changes => Services.GetRequiredService<ITenantChangeFeed>();

    public ITenantContextAccessor Context => Services.GetRequiredService<ITenantContextAccessor>();

    public ITenantAdministration Administration => Services.GetRequiredService<ITenantAdministration>();

    public ITenantExecutor Executor => Services.GetRequiredService<ITenantExecutor>();

    public TenantKitMetrics Metrics => Services.GetRequiredService<TenantKitMetrics>();

    /// <summary>Active tenants whose id and identifier are both <paramref name="ids"/>.</summary>
    public static TenantDraft[] Tenants(params string[] ids) => [.. ids.Select(id => new TenantDraft(id) { Id = id })];

    public static TenantDraft[] Tenants(int count, string prefix = "t") => Tenants([.. Enumerable.Range(0, count).Select(i => $"{prefix}{i:000}")]);

    public static RuntimeHarness Create(
        TenantDraft[] tenants,
        Action<TenantKitBuilder>? configure = null,
        Action<IServiceCollection>? services = null,
        bool systemClock = false)
    {
        var time = systemClock ? null : new TestTimeProvider(Epoch);
        var logs = new LogCollector();
        var probes = new ProbeRegistry();
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        if (time is not null)
        {
            builder.Services.AddSingleton<TimeProvider>(time);
        }

        services?.Invoke(builder.Services);
        builder.Services.AddTenantKit(b =>
        {
            b.WithInMemoryStore(tenants);
            b.ConfigureTenantServices((tenant, s) => s.AddSingleton(_ => probes.Create(tenant)));

            // Creating the probe in the first activation hook makes every generation that gets that far own one.
            b.OnTenantActivated((_, sp, _) =>
            {
                sp.GetRequiredService<GenerationProbe>();
                return ValueTask.CompletedTask;
            });
            b.OnTenantUnloading((_, sp, _) =>
            {
                sp.GetRequiredService<GenerationProbe>().Unloading();
                return ValueTask.CompletedTask;
            });
            configure?.Invoke(b);
        });
        return new RuntimeHarness(builder.Build(), time, logs, probes);
    }

    public static RuntimeHarness Create(params string[] tenants) => Create(Tenants(tenants));

    public async Task StartAsync()
    {
        _started = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Host.StartAsync(timeout.Token);
    }

    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Host.StopAsync(timeout.Token);
    }

    public async Task<TenantInfo> TenantAsync(string id)
        => await Services.GetRequiredService<CachingTenantCatalog>().FindByIdAsync(id) ?? throw new InvalidOperationException($"No tenant '{id}'.");

    public async Task<TenantLease> AcquireAsync(string id) => await Runtime.AcquireAsync(await TenantAsync(id));

    /// <summary>Takes and releases a lease: builds the tenant if needed and stamps its last access.</summary>
    public async Task<GenerationProbe> TouchAsync(string id)
    {
        await using var lease = await AcquireAsync(id);
        return lease.Services.GetRequiredService<GenerationProbe>();
    }

    public TenantScope HostScope() => Context.BeginHostScope();

    public TenantRuntimeStatus Status(string id) => Runtime.GetStatus(id) ?? throw new InvalidOperationException($"The runtime does not know '{id}'.");

    public bool IsResident(string id) => Runtime.GetStatus(id)?.IsResident == true;

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        if (_started)
        {
            await Host.StopAsync(timeout.Token);
        }
        else
        {
            await Runtime.StopAsync(timeout.Token);
        }

        await ((IAsyncDisposable)Host).DisposeAsync();
    }
}

/// <summary>A tenant singleton: one per generation. Counts its disposals and unload hooks.</summary>
internal sealed class GenerationProbe(TenantInfo tenant) : IDisposable
{
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposals;
    private int _unloadings;
    private int _users;
    private int _disposedInUse;

    public TenantInfo Tenant { get; } = tenant;

    public int Disposals => Volatile.Read(ref _disposals);

    public int Unloadings => Volatile.Read(ref _unloadings);

    public bool IsDisposed => Disposals > 0;

    /// <summary>How many times the container disposed this probe while a test said it was in use.</summary>
    public int DisposedInUse => Volatile.Read(ref _disposedInUse);

    public void Unloading() => Interlocked.Increment(ref _unloadings);

    /// <summary>Tests call it while they hold a lease on this probe's generation; disposal meanwhile is a violation.</summary>
    public void Enter() => Interlocked.Increment(ref _users);

    public void Exit() => Interlocked.Decrement(ref _users);

    public void Dispose()
    {
        if (Volatile.Read(ref _users) != 0)
        {
            Interlocked.Increment(ref _disposedInUse);
        }

        Interlocked.Increment(ref _disposals);
        _disposed.TrySetResult();
    }

    /// <summary>Completes when the probe's container disposed it; fails the test after <paramref name="seconds"/> seconds.</summary>
    public Task WaitDisposedAsync(int seconds = 10) => _disposed.Task.WaitAsync(TimeSpan.FromSeconds(seconds));
}

internal sealed class ProbeRegistry
{
    private readonly ConcurrentQueue<GenerationProbe> _all = new();

    public IReadOnlyList<GenerationProbe> All => [.. _all];

    public GenerationProbe Create(TenantInfo tenant)
    {
        var probe = new GenerationProbe(tenant);
        _all.Enqueue(probe);
        return probe;
    }

    public IReadOnlyList<GenerationProbe> For(string tenantId) => [.. _all.Where(p => p.Tenant.Id == tenantId)];
}

/// <summary>A fake clock that also tells tests when a timer is created (drain and stop timeouts run on timers).</summary>
internal sealed class TestTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _created = [];
    private readonly List<(TimeSpan DueTime, int Count, TaskCompletionSource Signal)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            _created.Add(dueTime);
            foreach (var waiter in _waiters)
            {
                if (_created.Count(d => d == waiter.DueTime) >= waiter.Count)
                {
                    waiter.Signal.TrySetResult();
                }
            }
        }

        return timer;
    }

    /// <summary>Completes once <paramref name="count"/> timers due in <paramref name="dueTime"/> have been created.</summary>
    public Task WaitForTimersAsync(TimeSpan dueTime, int count = 1)
    {
        lock (_gate)
        {
            if (_created.Count(d => d == dueTime) >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((dueTime, count, signal));
            return signal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}

internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

internal sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public IReadOnlyList<LogEntry> WithEventId(int id) => [.. _entries.Where(e => e.EventId.Id == id)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner._entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}

internal static class Eventually
{
    /// <summary>Waits (real time, at most 10 seconds) for background work to make <paramref name="condition"/> true.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (10 * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(2);
        }
    }
}
