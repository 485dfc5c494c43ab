using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TenantKit.Tests.Runtime;

public class IsolationTests
{
    [Fact]
    public async Task HostSingleton_IsTheSameInstanceInEveryTenant()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), services: s => s.AddSingleton<SharedClock>());
        var host = h.Services.GetRequiredService<SharedClock>();

        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        Assert.Same(host, a.Services.GetRequiredService<SharedClock>());
        Assert.Same(host, b.Services.GetRequiredService<SharedClock>());
        using var scope = a.CreateScope();
        Assert.Same(host, scope.ServiceProvider.GetRequiredService<SharedClock>());
    }

    [Fact]
    public async Task TenantSingleton_DiffersPerTenant_AndIsOnePerTenant()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), b => b.ConfigureTenantServices((_, s) => s.AddSingleton<TenantState>()));

        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        var fromA = a.Services.GetRequiredService<TenantState>();
        Assert.NotSame(fromA, b.Services.GetRequiredService<TenantState>());
        using var scope = a.CreateScope();
        Assert.Same(fromA, scope.ServiceProvider.GetRequiredService<TenantState>());
    }

    [Fact]
    public async Task MemoryCache_RegisteredByTheHost_DiffersPerTenantAndFromTheHost()
    {
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("a", "b"), services: s => s.AddMemoryCache());
        var hostCache = h.Services.GetRequiredService<IMemoryCache>();

        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");
        var cacheA = a.Services.GetRequiredService<IMemoryCache>();
        var cacheB = b.Services.GetRequiredService<IMemoryCache>();
        cacheA.Set("key", "from a");

        Assert.NotSame(cacheA, cacheB);
        Assert.NotSame(hostCache, cacheA);
        Assert.False(cacheB.TryGetValue("key", out _));
        Assert.False(hostCache.TryGetValue("key", out _));
        Assert.Equal("from a", cacheA.Get<string>("key"));
    }

    [Fact]
    public async Task IsolateService_HostSingleton_IsBuiltPerTenant()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a", "b"),
            b => b.IsolateService(typeof(TenantState)),
            s => s.AddSingleton<TenantState>());

        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        var host = h.Services.GetRequiredService<TenantState>();
        Assert.NotSame(host, a.Services.GetRequiredService<TenantState>());
        Assert.NotSame(a.Services.GetRequiredService<TenantState>(), b.Services.GetRequiredService<TenantState>());
    }

    [Fact]
    public async Task ConfigureTenantOptions_GivesEachTenantItsOwnOptions()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a", "b"),
            b => b.ConfigureTenantOptions<Branding>((tenant, o) => o.Color = $"color-{tenant.Identifier}"),
            s => s.Configure<Branding>(o => o.Font = "Inter"));

        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        var optionsA = a.Services.GetRequiredService<IOptions<Branding>>().Value;
        var optionsB = b.Services.GetRequiredService<IOptions<Branding>>().Value;
        Assert.Equal(("color-a", "Inter"), (optionsA.Color, optionsA.Font));
        Assert.Equal(("color-b", "Inter"), (optionsB.Color, optionsB.Font));
        Assert.Null(h.Services.GetRequiredService<IOptions<Branding>>().Value.Color);
        using var scope = a.CreateScope();
        Assert.Equal("color-a", scope.ServiceProvider.GetRequiredService<IOptionsSnapshot<Branding>>().Value.Color);
        Assert.Equal("color-a", a.Services.GetRequiredService<IOptionsMonitor<Branding>>().CurrentValue.Color);
    }

    [Fact]
    public async Task BindTenantOptions_BindsFromTheTenantsProperties()
    {
        TenantDraft[] tenants =
        [
            new("a") { Id = "a", Properties = new Dictionary<string, string> { ["Branding:Color"] = "red", ["Branding:Font"] = "Serif" } },
            new("b") { Id = "b", Properties = new Dictionary<string, string> { ["Branding:Color"] = "blue" } },
        ];
        await using var h = RuntimeHarness.Create(tenants, b => b.BindTenantOptions<Branding>("Branding"));

        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");

        var optionsA = a.Services.GetRequiredService<IOptions<Branding>>().Value;
        var optionsB = b.Services.GetRequiredService<IOptions<Branding>>().Value;
        Assert.Equal(("red", "Serif"), (optionsA.Color, optionsA.Font));
        Assert.Equal(("blue", null), (optionsB.Color, optionsB.Font));
    }

    [Fact]
    public async Task ScopedAndTransientHostRegistrations_AreCreatedInsideTheTenantContainer()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a", "b"),
            b => b.ConfigureTenantOptions<Branding>((tenant, o) => o.Color = tenant.Identifier),
            s => s.AddScoped<ScopedGreeter>().AddTransient<TransientGreeter>());

        await using var a = await h.AcquireAsync("a");
        await using var b = await h.AcquireAsync("b");
        using var scopeA = a.CreateScope();
        using var scopeB = b.CreateScope();

        var scoped = scopeA.ServiceProvider.GetRequiredService<ScopedGreeter>();
        Assert.Equal("a", scoped.Color);
        Assert.Equal("a", scoped.Tenant.Identifier);
        Assert.Same(scoped, scopeA.ServiceProvider.GetRequiredService<ScopedGreeter>());
        Assert.Equal("b", scopeB.ServiceProvider.GetRequiredService<ScopedGreeter>().Color);
        Assert.Equal("a", scopeA.ServiceProvider.GetRequiredService<TransientGreeter>().Color);
        Assert.Equal("b", scopeB.ServiceProvider.GetRequiredService<TransientGreeter>().Color);
    }

    [Fact]
    public async Task Unload_DisposesTenantServices_ButNeverAHostSingleton()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a"),
            b => b.ConfigureTenantServices((_, s) => s.AddSingleton<TenantState>().AddScoped<ScopedDisposable>()),
            s => s.AddSingleton<SharedClock>().AddSingleton(new SharedInstance()));
        var hostClock = h.Services.GetRequiredService<SharedClock>();
        var hostInstance = h.Services.GetRequiredService<SharedInstance>();
        TenantState tenantState;
        ScopedDisposable scoped;
        await using (var lease = await h.AcquireAsync("a"))
        {
            tenantState = lease.Services.GetRequiredService<TenantState>();
            Assert.Same(hostClock, lease.Services.GetRequiredService<SharedClock>());
            Assert.Same(hostInstance, lease.Services.GetRequiredService<SharedInstance>());
            using var scope = lease.CreateScope();
            scoped = scope.ServiceProvider.GetRequiredService<ScopedDisposable>();
        }

        Assert.True(scoped.Disposed);
        using (h.HostScope())
        {
            h.Runtime.Unload("a");
        }

        await h.Probes.For("a")[0].WaitDisposedAsync();
        Assert.True(tenantState.Disposed);
        Assert.False(hostClock.Disposed);
        Assert.False(hostInstance.Disposed);
    }

    [Fact]
    public async Task IsolatedServiceRegisteredAsAnInstance_FailsTheBuildWithAClearError()
    {
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants("a"),
            services: s => s.AddSingleton<IMemoryCache>(new MemoryCache(new MemoryCacheOptions())));

        var ex = await Assert.ThrowsAsync<TenantLoadException>(() => h.AcquireAsync("a"));

        var inner = Assert.IsType<InvalidOperationException>(ex.InnerException);
        Assert.Contains("Microsoft.Extensions.Caching.Memory.IMemoryCache", inner.Message, StringComparison.Ordinal);
        Assert.Contains("must never be shared between tenants", inner.Message, StringComparison.Ordinal);
        Assert.Contains("Register it by type or factory", inner.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantContainer_HoldsTheTenantSnapshot()
    {
        await using var h = RuntimeHarness.Create("a");

        await using var lease = await h.AcquireAsync("a");

        Assert.Same(lease.Tenant, lease.Services.GetRequiredService<TenantInfo>());
    }

    public sealed class Branding
    {
        public string? Color { get; set; }

        public string? Font { get; set; }
    }

    private sealed class SharedClock : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class SharedInstance : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class TenantState : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class ScopedDisposable : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class ScopedGreeter(IOptions<Branding> options, TenantInfo tenant)
    {
        public string? Color { get; } = options.Value.Color;

        public TenantInfo Tenant { get; } = tenant;
    }

    private sealed class TransientGreeter(IOptions<Branding> options)
    {
        public string? Color { get; } = options.Value.Color;
    }
}
