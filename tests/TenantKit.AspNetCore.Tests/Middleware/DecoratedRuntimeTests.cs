using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.AspNetCore.Tests.Middleware;

/// <summary>
/// The middleware talks to the runtime through <see cref="ITenantRuntime"/> only: a decorator that declines the warm
/// path (<see cref="ITenantRuntime.TryAcquireResident"/>'s default) is served through <see cref="ITenantRuntime.AcquireAsync"/>,
/// and one that forwards it keeps the warm path.
/// </summary>
public class DecoratedRuntimeTests
{
    [Fact]
    public async Task DecoratedRuntime_ThatDeclinesTheWarmPath_StillServesEveryRequestThroughAcquireAsync()
    {
        CountingRuntime? decorator = null;
        await using var app = await TestApp.StartAsync(
            b => Decorate(b, inner => decorator = new CountingRuntime(inner)),
            TestApp.Standard);
        var client = app.GetTestClient();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("acme", (await client.GetProbeAsync("acme.example.com")).Tenant);
            Assert.Equal("globex", (await client.GetProbeAsync("globex.example.com")).Tenant);
        }

        Assert.Same(decorator, app.Runtime());
        Assert.Equal(6, decorator!.Acquires);
        await WaitForNoLeasesAsync(app);
    }

    [Fact]
    public async Task DecoratedRuntime_ThatForwardsTheWarmPath_AcquiresOnlyColdTenantsThroughAcquireAsync()
    {
        ForwardingRuntime? decorator = null;
        await using var app = await TestApp.StartAsync(
            b => Decorate(b, inner => decorator = new ForwardingRuntime(inner)),
            TestApp.Standard);
        var client = app.GetTestClient();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("acme", (await client.GetProbeAsync("acme.example.com")).Tenant);
        }

        Assert.Equal(1, decorator!.Acquires);
        Assert.Equal(3, decorator.WarmAttempts);
        await WaitForNoLeasesAsync(app);
    }

    /// <summary>Replaces TenantKit's <see cref="ITenantRuntime"/> registration by a decorator of it.</summary>
    private static void Decorate(TenantKitBuilder builder, Func<ITenantRuntime, ITenantRuntime> decorate)
    {
        builder.WithHostStrategy("{tenant}.example.com");
        var original = builder.Services.Single(d => d.ServiceType == typeof(ITenantRuntime));
        builder.Services.Remove(original);
        builder.Services.AddSingleton(sp => decorate((ITenantRuntime)original.ImplementationFactory!(sp)));
    }

    private static async Task WaitForNoLeasesAsync(Microsoft.AspNetCore.Builder.WebApplication app)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (app.Runtime().Counts.LeasesOut != 0)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the leases were not released");
            await Task.Delay(5);
        }
    }

    /// <summary>A decorator written before the warm path existed: it forwards every member but that one.</summary>
    private class CountingRuntime(ITenantRuntime inner) : ITenantRuntime
    {
        private int _acquires;

        public int Acquires => Volatile.Read(ref _acquires);

        public TenantRuntimeCounts Counts => inner.Counts;

        protected ITenantRuntime Inner => inner;

        public ValueTask<TenantLease> AcquireAsync(TenantInfo tenant, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _acquires);
            return inner.AcquireAsync(tenant, cancellationToken);
        }

        public ValueTask LoadAsync(TenantInfo tenant, CancellationToken cancellationToken = default) => inner.LoadAsync(tenant, cancellationToken);

        public bool Unload(string tenantId) => inner.Unload(tenantId);

        public Task WaitForUnloadAsync(string tenantId, CancellationToken cancellationToken = default) => inner.WaitForUnloadAsync(tenantId, cancellationToken);

        public TenantRuntimeStatus? GetStatus(string tenantId) => inner.GetStatus(tenantId);

        public IReadOnlyList<TenantRuntimeStatus> GetStatuses() => inner.GetStatuses();
    }

    /// <summary>A decorator that forwards the warm path too.</summary>
    private sealed class ForwardingRuntime(ITenantRuntime inner) : CountingRuntime(inner), ITenantRuntime
    {
        private int _warmAttempts;

        public int WarmAttempts => Volatile.Read(ref _warmAttempts);

        public bool TryAcquireResident(TenantInfo tenant, out TenantLease lease)
        {
            Interlocked.Increment(ref _warmAttempts);
            return Inner.TryAcquireResident(tenant, out lease);
        }
    }
}
