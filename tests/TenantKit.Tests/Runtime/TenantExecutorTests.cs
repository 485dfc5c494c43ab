using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

public class TenantExecutorTests
{
    private static RuntimeHarness Create(params TenantDraft[] tenants)
        => RuntimeHarness.Create(tenants, b => b.ConfigureTenantServices((_, s) => s.AddScoped<Unit>()));

    [Fact]
    public async Task RunAsync_SetsTheAmbientTenantAndAScope()
    {
        await using var h = Create(RuntimeHarness.Tenants("acme"));
        Unit? first = null;
        Unit? second = null;

        var identifier = await h.Executor.RunAsync("ACME", (services, _) =>
        {
            var context = services.GetRequiredService<ITenantContextAccessor>().Current;
            first = services.GetRequiredService<Unit>();
            Assert.Same(first, services.GetRequiredService<Unit>());
            Assert.Same(services, context?.Services);
            Assert.Equal(1, h.Status("acme").LeasesOut);
            return Task.FromResult(context?.Tenant?.Identifier);
        });
        await h.Executor.RunAsync("acme", (services, _) =>
        {
            second = services.GetRequiredService<Unit>();
            return Task.CompletedTask;
        });

        Assert.Equal("acme", identifier);
        Assert.NotSame(first, second);
        Assert.True(first!.Disposed);
        Assert.Null(h.Context.Current);
        Assert.Equal(0, h.Status("acme").LeasesOut);
    }

    [Fact]
    public async Task RunAsync_UnknownOrSuspendedTenant_ThrowsTypedErrors()
    {
        await using var h = Create([.. RuntimeHarness.Tenants("acme"), new TenantDraft("off") { Id = "off", State = TenantState.Suspended }]);

        await Assert.ThrowsAsync<TenantNotFoundException>(() => h.Executor.RunAsync("nobody", (_, _) => Task.CompletedTask));
        await Assert.ThrowsAsync<TenantSuspendedException>(() => h.Executor.RunAsync("off", (_, _) => Task.CompletedTask));
        await Assert.ThrowsAsync<InvalidTenantIdentifierException>(() => h.Executor.RunAsync("../x", (_, _) => Task.CompletedTask));
    }

    [Fact]
    public async Task RunAsync_HoldsALease_SoAnUnloadWaitsForTheWork()
    {
        await using var h = Create(RuntimeHarness.Tenants("acme"));
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        GenerationProbe? probe = null;

        var work = h.Executor.RunAsync("acme", async (services, _) =>
        {
            probe = services.GetRequiredService<GenerationProbe>();
            inside.SetResult();
            await finish.Task;
            Assert.False(probe.IsDisposed);
            services.GetRequiredService<Unit>();
        });
        await inside.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using (h.HostScope())
        {
            h.Runtime.Unload("acme");
        }

        await Eventually.UntilAsync(() => probe!.Unloadings == 1, "the unload began");
        Assert.False(probe!.IsDisposed);
        finish.SetResult();
        await work;
        await probe.WaitDisposedAsync();
    }

    [Fact]
    public async Task RunForEachActiveAsync_VisitsEveryActiveTenantOnce_AndCollectsFailures()
    {
        await using var h = Create([.. RuntimeHarness.Tenants(20), new TenantDraft("off") { Id = "off", State = TenantState.Suspended }]);
        var visits = new ConcurrentDictionary<string, int>();

        var result = await h.Executor.RunForEachActiveAsync((tenant, services, _) =>
        {
            visits.AddOrUpdate(tenant.Identifier, 1, (_, n) => n + 1);
            Assert.Equal(tenant.Id, services.GetRequiredService<ITenantContextAccessor>().Current?.Tenant?.Id);
            return tenant.Identifier is "t003" or "t017"
                ? throw new InvalidOperationException($"failed {tenant.Identifier}")
                : Task.CompletedTask;
        }, maxDegreeOfParallelism: 3);

        Assert.Equal(20, visits.Count);
        Assert.All(visits.Values, n => Assert.Equal(1, n));
        Assert.DoesNotContain("off", visits.Keys);
        Assert.Equal(18, result.Succeeded);
        Assert.Equal(["t003", "t017"], result.Failures.Keys.Order());
        Assert.Equal("failed t003", result.Failures["t003"].Message);
    }

    [Fact]
    public async Task RunAsync_FromAnotherTenantsContext_IsRefused()
    {
        await using var h = Create(RuntimeHarness.Tenants("a", "b"));
        var a = await h.TenantAsync("a");

        using (h.Context.BeginTenantScope(a))
        {
            await Assert.ThrowsAsync<CrossTenantAccessException>(() => h.Executor.RunAsync("b", (_, _) => Task.CompletedTask));
            await Assert.ThrowsAsync<CrossTenantAccessException>(() => h.Executor.RunForEachActiveAsync((_, _, _) => Task.CompletedTask));
            Assert.Equal("a", await h.Executor.RunAsync("a", (_, _) => Task.FromResult("a")));
        }

        using (h.HostScope())
        {
            Assert.Equal("b", await h.Executor.RunAsync("b", (_, _) => Task.FromResult("b")));
        }
    }

    [Fact]
    public async Task RunAsync_NestedForAnotherTenant_IsRefused()
    {
        await using var h = Create(RuntimeHarness.Tenants("a", "b"));

        var ex = await Assert.ThrowsAsync<CrossTenantAccessException>(() =>
            h.Executor.RunAsync("a", (_, _) => h.Executor.RunAsync("b", (_, _) => Task.CompletedTask)));

        Assert.Contains("'a'", ex.Message, StringComparison.Ordinal);
    }

    private sealed class Unit : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
