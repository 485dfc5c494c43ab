using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TenantKit.Runtime;
using TenantKit.Runtime.Container;

namespace TenantKit.Tests.Runtime.Container;

/// <summary>Tenant containers share one resolution plan per shape of registrations, and nothing else.</summary>
public class SharedPlanTests
{
    [Fact]
    public async Task TenantsWithTheSameRegistrations_ShareOnePlan_AndKeepTheirOwnValues()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a", "b", "c"),
            b => b.ConfigureTenantServices((tenant, s) =>
            {
                s.AddSingleton<TenantState>();
                s.AddSingleton(new TenantLabel(tenant.Identifier));
                s.AddScoped(_ => new ScopedLabel(tenant.Identifier));
                s.Configure<LabelOptions>(o => o.Label = tenant.Identifier);
            }));

        var leases = new List<TenantLease>();
        foreach (var id in new[] { "a", "b", "c" })
        {
            leases.Add(await h.AcquireAsync(id));
        }

        try
        {
            Assert.Equal(1, Factory(h).PlanCount);
            var plans = leases.Select(l => ((ContainerScope)l.Services).Plan).Distinct().ToArray();
            Assert.Single(plans);
            foreach (var (lease, id) in leases.Zip(new[] { "a", "b", "c" }))
            {
                using var scope = lease.CreateScope();
                Assert.Equal(id, lease.Services.GetRequiredService<TenantInfo>().Identifier);
                Assert.Equal(id, lease.Services.GetRequiredService<TenantLabel>().Value);
                Assert.Equal(id, scope.ServiceProvider.GetRequiredService<ScopedLabel>().Value);
                Assert.Equal(id, scope.ServiceProvider.GetRequiredService<IOptions<LabelOptions>>().Value.Label);
            }

            var states = leases.Select(l => l.Services.GetRequiredService<TenantState>()).ToArray();
            Assert.Equal(3, states.Distinct().Count());
        }
        finally
        {
            foreach (var lease in leases)
            {
                await lease.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TenantRegisteringDifferently_GetsAPlanOfItsOwn()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a", "b", "premium"),
            b => b.ConfigureTenantServices((tenant, s) =>
            {
                if (tenant.Identifier == "premium")
                {
                    s.AddSingleton<PremiumFeature>();
                }
            }));

        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");
        await using var premium = await h.AcquireAsync("premium");

        Assert.Equal(2, Factory(h).PlanCount);
        Assert.Same(((ContainerScope)a.Services).Plan, ((ContainerScope)b.Services).Plan);
        Assert.NotNull(premium.Services.GetService<PremiumFeature>());
        Assert.Null(a.Services.GetService<PremiumFeature>());
    }

    [Fact]
    public async Task TenantReplacingAHostRegistration_GetsItsReplacement_AndOthersKeepTheHosts()
    {
        var hostLabel = new TenantLabel("host");
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a", "b"),
            b => b.ConfigureTenantServices((tenant, s) =>
            {
                if (tenant.Identifier == "b")
                {
                    s.Replace(ServiceDescriptor.Singleton(new TenantLabel("b's own")));
                }
            }),
            services: s => s.AddSingleton(hostLabel));

        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        Assert.Same(hostLabel, a.Services.GetRequiredService<TenantLabel>());
        Assert.Equal("b's own", b.Services.GetRequiredService<TenantLabel>().Value);
        Assert.Equal("b", b.Services.GetRequiredService<TenantInfo>().Identifier);
        Assert.Equal(0, ((ContainerScope)b.Services).Plan.OwnStart);
    }

    [Fact]
    public async Task Plan_KeepsNoValueOfTheTenantItWasMadeFor()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a", "b"),
            b => b.ConfigureTenantServices((tenant, s) => s.AddSingleton(new TenantLabel(tenant.Identifier))));

        // Tenant a is the first of its shape: the plan is made from a's registrations.
        var label = await BuildAndDropAsync(h, "a");
        await UnloadAsync(h, "a");
        await using var b = await h.AcquireAsync("b");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(1, Factory(h).PlanCount);
        Assert.False(label.TryGetTarget(out _), "tenant a's registered instance outlived its container: the shared plan holds it");
        Assert.Equal("b", b.Services.GetRequiredService<TenantLabel>().Value);
    }

    [Fact]
    public async Task PlanCache_WhenFull_DropsPlansNoContainerUses()
    {
        var ids = Enumerable.Range(0, 70).Select(i => $"t{i:000}").ToArray();
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants([.. ids, "late1", "late2"]),
            // A keyed registration under the tenant's own key: every tenant has a shape of its own.
            b => b.ConfigureTenantServices((tenant, s) => s.AddKeyedSingleton<TenantState>(tenant.Identifier.StartsWith("late", StringComparison.Ordinal) ? "late" : tenant.Identifier)));
        foreach (var id in ids)
        {
            await using (await h.AcquireAsync(id))
            {
            }

            await UnloadAsync(h, id);
            Assert.True(Factory(h).PlanCount <= 64);
        }

        await using var late1 = await h.AcquireAsync("late1");
        await using var late2 = await h.AcquireAsync("late2");

        // The late shape was kept (the unused plans made room), so both late tenants share it.
        Assert.Same(((ContainerScope)late1.Services).Plan, ((ContainerScope)late2.Services).Plan);
        Assert.True(Factory(h).PlanCount <= 64);
    }

    [Fact]
    public async Task ValidateScopes_RefusesScopedFromTheRootAndSingletonsCapturingScoped()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a"),
            b => b.ConfigureRuntime(o => o.ValidateScopes = true).ConfigureTenantServices((_, s) => s.AddScoped<TenantState>()));
        await using var a = await h.AcquireAsync("a");

        var fromRoot = Assert.Throws<InvalidOperationException>(() => a.Services.GetService<TenantState>());
        Assert.Contains("from root provider", fromRoot.Message);
        using var scope = a.CreateScope();
        Assert.NotNull(scope.ServiceProvider.GetService<TenantState>());
    }

    [Fact]
    public async Task ValidateScopes_ASingletonCapturingAScopedService_FailsTheBuild()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a"),
            b => b.ConfigureRuntime(o => o.ValidateScopes = true).ConfigureTenantServices((_, s) =>
            {
                s.AddScoped<TenantState>();
                s.AddSingleton<Captor>();
            }));

        var ex = await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("a"));
        Assert.Contains("Cannot consume scoped service", ex.ToString());
    }

    [Fact]
    public async Task ConcurrentFirstResolutions_AcrossTenantsSharingAPlan_GiveEachTenantOneSingletonOfItsOwn()
    {
        var ids = Enumerable.Range(0, 16).Select(i => $"t{i:00}").ToArray();
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants(ids),
            b => b.ConfigureTenantServices((tenant, s) =>
            {
                s.AddSingleton(new TenantLabel(tenant.Identifier));
                s.AddSingleton<Labelled>();
                s.AddScoped<ScopedLabelled>();
            }));
        var leases = await Task.WhenAll(ids.Select(id => h.AcquireAsync(id)));
        try
        {
            // Every tenant's first resolutions race each other and the plan's first planning of each service.
            using var start = new Barrier(8);
            var results = new System.Collections.Concurrent.ConcurrentBag<(string Tenant, Labelled Singleton, ScopedLabelled Scoped)>();
            var workers = Enumerable.Range(0, 8).Select(w => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    for (var round = 0; round < 50; round++)
                    {
                        foreach (var lease in leases)
                        {
                            using var scope = lease.CreateScope();
                            var scoped = scope.ServiceProvider.GetRequiredService<ScopedLabelled>();
                            Assert.Same(scoped, scope.ServiceProvider.GetRequiredService<ScopedLabelled>());
                            results.Add((lease.Tenant.Identifier, lease.Services.GetRequiredService<Labelled>(), scoped));
                        }
                    }
                },
                TaskCreationOptions.LongRunning)).ToArray();
            await Task.WhenAll(workers);

            foreach (var group in results.GroupBy(r => r.Tenant))
            {
                var singleton = Assert.Single(group.Select(r => r.Singleton).Distinct());
                Assert.Equal(group.Key, singleton.Label.Value);
                Assert.All(group, r => Assert.Same(singleton, r.Scoped.Singleton));
            }

            Assert.Equal(ids.Length, results.Select(r => r.Singleton).Distinct().Count());
        }
        finally
        {
            foreach (var lease in leases)
            {
                await lease.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Unload_DisposesTheTenantsSingletonsInReverseOrder_NotTheHosts()
    {
        var host = new DisposalLog("host");
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a"),
            b => b.ConfigureTenantServices((_, s) =>
            {
                s.AddSingleton<First>();
                s.AddSingleton<Second>();
            }),
            services: s => s.AddSingleton(host));

        await using (var a = await h.AcquireAsync("a"))
        {
            a.Services.GetRequiredService<Second>();
            a.Services.GetRequiredService<DisposalLog>();
        }

        await UnloadAsync(h, "a");

        Assert.Equal(["second", "first"], host.Disposed);
        Assert.False(host.IsDisposed);
    }

    private static async Task UnloadAsync(RuntimeHarness h, string id)
    {
        using (h.HostScope())
        {
            Assert.True(h.Runtime.Unload(id));
        }

        // Not the probe's disposal: the container disposes the probe before it has let go of the rest, and the drain
        // holds the generation until then, so a collection right after the probe's disposal could find it alive.
        await h.Runtime.WaitForUnloadAsync(id).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static TenantContainerFactory Factory(RuntimeHarness h) => h.Services.GetRequiredService<TenantContainerFactory>();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference<TenantLabel>> BuildAndDropAsync(RuntimeHarness h, string id)
    {
        await using var lease = await h.AcquireAsync(id);
        return new WeakReference<TenantLabel>(lease.Services.GetRequiredService<TenantLabel>());
    }

    private sealed class TenantState;

    private sealed class PremiumFeature;

    private sealed record TenantLabel(string Value);

    private sealed record ScopedLabel(string Value);

    private sealed class LabelOptions
    {
        public string? Label { get; set; }
    }

    private sealed class Captor(TenantState state)
    {
        public TenantState State { get; } = state;
    }

    private sealed class Labelled(TenantLabel label)
    {
        public TenantLabel Label { get; } = label;
    }

    private sealed class ScopedLabelled(Labelled singleton)
    {
        public Labelled Singleton { get; } = singleton;
    }

    private sealed class DisposalLog(string name) : IDisposable
    {
        public List<string> Disposed { get; } = [];

        public bool IsDisposed { get; private set; }

        public string Name { get; } = name;

        public void Dispose() => IsDisposed = true;
    }

    private sealed class First(DisposalLog log) : IDisposable
    {
        public void Dispose() => log.Disposed.Add("first");
    }

    private sealed class Second(First first, DisposalLog log) : IDisposable
    {
        public First First { get; } = first;

        public void Dispose() => log.Disposed.Add("second");
    }
}
