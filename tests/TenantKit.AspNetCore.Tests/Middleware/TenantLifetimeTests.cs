using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TenantKit.AspNetCore.Tests.Middleware;

/// <summary>What a request holds (a lease, a scope) is released whatever way it ends.</summary>
public class TenantLifetimeTests
{
    [Fact]
    public async Task CompletedRequest_ReleasesItsLease()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard);

        await app.GetTestClient().GetProbeAsync("acme.example.com");

        await WaitForAsync(() => app.Runtime().Counts.LeasesOut == 0);
        Assert.Equal(1, app.Runtime().Counts.Resident);
    }

    [Fact]
    public async Task ThrowingRequest_ReleasesItsLeaseAndDisposesItsScope()
    {
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").ConfigureTenantServices((_, s) => s.AddScoped(_ => new ScopeProbe(disposed))),
            app =>
            {
                app.UseTenantKit();
                app.MapGet("/boom", ([Microsoft.AspNetCore.Mvc.FromServices] ScopeProbe probe) => { throw new InvalidOperationException("boom"); });
            });

        try
        {
            using var response = await app.GetTestClient().GetAsync("http://acme.example.com/boom");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }
        catch (InvalidOperationException ex) when (ex.Message == "boom")
        {
            // The test server hands the application's exception to the client.
        }

        await disposed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitForAsync(() => app.Runtime().Counts.LeasesOut == 0);
    }

    [Fact]
    public async Task AbortedRequest_ReleasesItsLease()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            app.MapGet("/slow", async (HttpContext context) =>
            {
                entered.SetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            });
        });
        using var abort = new CancellationTokenSource();

        var sending = app.GetTestClient().GetAsync("http://acme.example.com/slow", abort.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, app.Runtime().Counts.LeasesOut);
        await abort.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        await WaitForAsync(() => app.Runtime().Counts.LeasesOut == 0);
    }

    [Fact]
    public async Task RequestsInFlight_WhileTheTenantIsReloadedAndUnloaded_CompleteNormally()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            app.MapGet("/slow", async (HttpContext context) =>
            {
                var before = context.RequestServices.GetRequiredService<TenantCounter>().Id;
                entered.TrySetResult();
                await gate.Task;
                var after = context.RequestServices.GetRequiredService<TenantCounter>().Id;
                return before == after ? "same" : "changed";
            });
            TestApp.MapProbe(app);
        });
        var client = app.GetTestClient();
        var runtime = app.Runtime();
        var accessor = app.Services.GetRequiredService<ITenantContextAccessor>();
        var acme = (await app.Services.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))!;

        var inFlight = client.GetStringAsync("http://acme.example.com/slow");
        try
        {
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            using (accessor.BeginHostScope())
            {
                await app.Services.GetRequiredService<ITenantAdministration>().RequestReloadAsync(acme.Id);
                await WaitForAsync(() => runtime.GetStatus(acme.Id)!.Generation == 2);
                Assert.True(runtime.Unload(acme.Id));
            }

            // The first generation waits for the request's lease (the second, unleased, may still be disposing).
            Assert.InRange(runtime.Counts.Draining, 1, 2);
        }
        finally
        {
            gate.TrySetResult();
        }

        Assert.Equal("same", await inFlight);
        await WaitForAsync(() => runtime.Counts.Draining == 0 && runtime.Counts.LeasesOut == 0);
        Assert.Equal("acme", (await client.GetProbeAsync("acme.example.com")).Tenant);
    }

    [Fact]
    public async Task TenantRequest_TagsTheRequestActivityWithTheTenantId()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), app =>
        {
            app.UseTenantKit();
            app.MapGet("/activity", () => Activity.Current?.GetTagItem("tenant.id") as string ?? "(none)");
        });

        var tag = await app.GetTestClient().GetStringAsync("http://globex.example.com/activity");

        Assert.Equal("t-globex", tag);
    }

    [Fact]
    public async Task TenantRequest_LogsInsideAScopeCarryingTheTenant()
    {
        var capture = new ScopeCapturingLoggerProvider();
        await using var app = await TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com"),
            app =>
            {
                app.UseTenantKit();
                app.MapGet("/log", (ILogger<TenantLifetimeTests> logger) =>
                {
                    logger.LogInformation("inside");
                    return "ok";
                });
            },
            s => s.AddSingleton<ILoggerProvider>(capture));

        await app.GetTestClient().GetStringAsync("http://initech.example.com/log");

        var scope = Assert.Single(capture.ScopesOf("inside"));
        Assert.Contains(new KeyValuePair<string, object?>("TenantId", "t-initech"), scope);
        Assert.Contains(new KeyValuePair<string, object?>("TenantIdentifier", "initech"), scope);
    }

    [Fact]
    public async Task WarmPath_ResolutionAndLease_AllocateNothing()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard);
        var resolver = app.Services.GetRequiredService<ITenantResolver<HttpContext>>();
        var runtime = app.Runtime();
        var context = new DefaultHttpContext();
        context.Request.Host = new HostString("acme.example.com:8443");
        await app.GetTestClient().GetProbeAsync("acme.example.com");
        RunOnce();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            RunOnce();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void RunOnce()
        {
            var resolution = resolver.ResolveAsync(context);
            Assert.True(resolution.IsCompletedSuccessfully);
            var lease = runtime.AcquireAsync(resolution.Result.Tenant!);
            Assert.True(lease.IsCompletedSuccessfully);
            lease.Result.Dispose();
        }
    }

    internal static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "The condition did not become true within 10 s.");
            await Task.Delay(10);
        }
    }

    private sealed class ScopeProbe(TaskCompletionSource disposed) : IDisposable
    {
        public void Dispose() => disposed.TrySetResult();
    }
}

/// <summary>Records, for each message logged, the key/value pairs of the scopes around it.</summary>
internal sealed class ScopeCapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly List<(string Message, List<KeyValuePair<string, object?>> Scope)> _entries = [];
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public IEnumerable<List<KeyValuePair<string, object?>>> ScopesOf(string message)
    {
        lock (_entries)
        {
            return _entries.Where(e => e.Message == message).Select(e => e.Scope).ToList();
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ScopeCapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
            => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var pairs = new List<KeyValuePair<string, object?>>();
            owner._scopes.ForEachScope(
                (scope, list) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> values)
                    {
                        list.AddRange(values);
                    }
                },
                pairs);
            lock (owner._entries)
            {
                owner._entries.Add((formatter(state, exception), pairs));
            }
        }
    }
}
