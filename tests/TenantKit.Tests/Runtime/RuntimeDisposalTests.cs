using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

public class RuntimeDisposalTests
{
    private sealed class Disposable : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    [Fact]
    public async Task SynchronousContainerDispose_DrainsAndDisposesTenants_InsteadOfThrowing()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTenantKit(t => t
            .WithInMemoryStore(new TenantDraft("acme"))
            .ConfigureTenantServices((_, s) => s.AddSingleton<Disposable>()));
        var provider = services.BuildServiceProvider();
        var tenant = (await provider.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))!;
        Disposable probe;
        using (var lease = await provider.GetRequiredService<ITenantRuntime>().AcquireAsync(tenant))
        {
            probe = lease.Services.GetRequiredService<Disposable>();
        }

        provider.Dispose();

        Assert.True(probe.Disposed);
    }

    [Fact]
    public async Task WarmAcquire_WithSnapshotUsedByTwoRuntimes_LeasesFromEachRuntimesOwnContainer()
    {
        var tenant = new TenantInfo("t1", "acme", "Acme");
        await using var first = Build(tenant);
        await using var second = Build(tenant);
        var firstRuntime = first.GetRequiredService<ITenantRuntime>();
        var secondRuntime = second.GetRequiredService<ITenantRuntime>();

        using var a = await firstRuntime.AcquireAsync(tenant);
        using var b = await secondRuntime.AcquireAsync(tenant);
        using var a2 = await firstRuntime.AcquireAsync(tenant);
        using var b2 = await secondRuntime.AcquireAsync(tenant);

        Assert.Same(a.Services, a2.Services);
        Assert.Same(b.Services, b2.Services);
        Assert.NotSame(a.Services, b.Services);
        Assert.Equal(2, firstRuntime.GetStatus("t1")!.LeasesOut);
        Assert.Equal(2, secondRuntime.GetStatus("t1")!.LeasesOut);

        static ServiceProvider Build(TenantInfo tenant)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddTenantKit(t => t.WithStore(_ => new InMemoryTenantStore([tenant])));
            return services.BuildServiceProvider();
        }
    }
}

public class RuntimeOutOfOrderChangeTests
{
    [Fact]
    public async Task SuspensionOlderThanTheServingGeneration_IsIgnored()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var v3 = new TenantInfo("t1", "acme", "Acme", TenantState.Active, version: 3);
        services.AddTenantKit(t => t.WithStore(_ => new InMemoryTenantStore([v3])));
        await using var provider = services.BuildServiceProvider();
        var runtime = provider.GetRequiredService<ITenantRuntime>();
        (await runtime.AcquireAsync(v3)).Dispose();
        var staleSuspension = new TenantInfo("t1", "acme", "Acme", TenantState.Suspended, version: 2);

        provider.GetRequiredService<ITenantChangeFeed>().Publish(new TenantChange(TenantChangeKind.Suspended, "t1", "acme", staleSuspension));

        Assert.True(runtime.GetStatus("t1")!.IsResident);
    }
}
