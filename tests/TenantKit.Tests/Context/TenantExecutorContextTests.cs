using Microsoft.Extensions.DependencyInjection;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Context;

/// <summary>The executor's checks on the caller's tenant context (the runtime itself is tested elsewhere).</summary>
public sealed class TenantExecutorContextTests : IAsyncLifetime
{
    private ServiceProvider _services = null!;

    private ITenantExecutor Executor => _services.GetRequiredService<ITenantExecutor>();

    private ITenantContextAccessor Accessor => _services.GetRequiredService<ITenantContextAccessor>();

    public Task InitializeAsync()
    {
        _services = TestServices.Build(b => b.WithInMemoryStore(new TenantDraft("acme") { Id = "a" }, new TenantDraft("globex") { Id = "g" }));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task RunAsync_AsAnotherTenant_IsRefusedBeforeAnyWorkRuns()
    {
        var acme = (await _services.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))!;
        var ran = false;
        using var scope = Accessor.BeginTenantScope(acme);

        var ex = await Assert.ThrowsAsync<CrossTenantAccessException>(() => Executor.RunAsync("GLOBEX", (_, _) =>
        {
            ran = true;
            return Task.CompletedTask;
        }));

        Assert.False(ran);
        Assert.Contains("globex", ex.Message, StringComparison.Ordinal);
        Assert.Same(acme, Accessor.Current!.Tenant);
    }

    [Fact]
    public async Task RunForEachActiveAsync_AsATenant_IsRefused()
    {
        var acme = (await _services.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))!;
        var ran = 0;
        using var scope = Accessor.BeginTenantScope(acme);

        await Assert.ThrowsAsync<CrossTenantAccessException>(() => Executor.RunForEachActiveAsync((_, _, _) =>
        {
            Interlocked.Increment(ref ran);
            return Task.CompletedTask;
        }));

        Assert.Equal(0, ran);
    }

    [Fact]
    public async Task RunAsync_FromTheHost_RunsAsTheTenantAndRestoresTheHost()
    {
        using var host = Accessor.BeginHostScope();

        var seen = await Executor.RunAsync("acme", (_, _) => Task.FromResult(Accessor.Current?.Tenant?.Identifier));

        Assert.Equal("acme", seen);
        Assert.True(Accessor.Current!.IsHost);
    }

    [Fact]
    public async Task RunAsync_AsTheSameTenant_IsAllowed()
    {
        var acme = (await _services.GetRequiredService<ITenantCatalog>().FindByIdentifierAsync("acme"))!;
        using var scope = Accessor.BeginTenantScope(acme);

        var seen = await Executor.RunAsync("acme", (_, _) => Task.FromResult(Accessor.Current?.Tenant?.Id));

        Assert.Equal("a", seen);
    }

    [Fact]
    public async Task RunAsync_InvalidOrUnknownIdentifier_ThrowsTypedErrors()
    {
        await Assert.ThrowsAsync<InvalidTenantIdentifierException>(() => Executor.RunAsync("not valid", (_, _) => Task.CompletedTask));
        await Assert.ThrowsAsync<TenantNotFoundException>(() => Executor.RunAsync("hooli", (_, _) => Task.CompletedTask));
    }
}
