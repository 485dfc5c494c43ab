using Microsoft.Extensions.DependencyInjection;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Context;

public class TenantContextAccessorTests
{
    private static readonly TenantInfo Acme = TestTenants.Create("acme");
    private static readonly TenantInfo Globex = TestTenants.Create("globex");
    private static readonly TenantInfo Initech = TestTenants.Create("initech");

    private readonly TenantContextAccessor _accessor = new();

    [Fact]
    public void Current_OutsideAnyScope_IsNull()
    {
        Assert.Null(_accessor.Current);
    }

    [Fact]
    public void BeginTenantScope_SetsTheTenantUntilDisposed()
    {
        using (var scope = _accessor.BeginTenantScope(Acme))
        {
            Assert.Same(scope.Context, _accessor.Current);
            Assert.Same(Acme, _accessor.Current!.Tenant);
            Assert.False(_accessor.Current.IsHost);
        }

        Assert.Null(_accessor.Current);
    }

    [Fact]
    public void BeginTenantScope_WithServices_CarriesThem()
    {
        using var provider = new ServiceCollection().BuildServiceProvider();

        using var scope = _accessor.BeginTenantScope(Acme, provider);

        Assert.Same(provider, _accessor.Current!.Services);
    }

    [Fact]
    public void BeginHostScope_SetsTheHostUntilDisposed()
    {
        using (_accessor.BeginHostScope())
        {
            Assert.True(_accessor.Current!.IsHost);
            Assert.Null(_accessor.Current.Tenant);
            Assert.Same(TenantContext.Host, _accessor.Current);
        }

        Assert.Null(_accessor.Current);
    }

    [Fact]
    public void NestedScopes_DisposingTheInnerRestoresTheOuter()
    {
        using (_accessor.BeginHostScope())
        {
            using (_accessor.BeginTenantScope(Acme))
            {
                using (_accessor.BeginTenantScope(Globex))
                {
                    Assert.Same(Globex, _accessor.Current!.Tenant);
                }

                Assert.Same(Acme, _accessor.Current!.Tenant);
            }

            Assert.True(_accessor.Current!.IsHost);
        }

        Assert.Null(_accessor.Current);
    }

    [Fact]
    public void BeginHostScope_InsideATenantScope_IsRefusedAndTheTenantStays()
    {
        using var tenant = _accessor.BeginTenantScope(Acme);

        var ex = Assert.Throws<CrossTenantAccessException>(() => _accessor.BeginHostScope());

        Assert.Contains("acme", ex.Message, StringComparison.Ordinal);
        Assert.Same(Acme, _accessor.Current!.Tenant);
    }

    [Fact]
    public void Begin_HostContextInsideATenantScope_IsRefusedLikeBeginHostScope()
    {
        using var provider = new ServiceCollection().BuildServiceProvider();
        using var tenant = _accessor.BeginTenantScope(Acme);

        Assert.Throws<CrossTenantAccessException>(() => TenantContextAccessor.Begin(TenantContext.Host));
        Assert.Throws<CrossTenantAccessException>(() => TenantContextAccessor.Begin(TenantContext.ForHost(provider)));

        Assert.Same(Acme, _accessor.Current!.Tenant);
    }

    [Fact]
    public async Task Scope_AcrossAwaits_StaysCurrentAndIsRestoredAfterDispose()
    {
        using (_accessor.BeginTenantScope(Acme))
        {
            await Task.Yield();
            Assert.Same(Acme, _accessor.Current!.Tenant);
            await Task.Run(() => Assert.Same(Acme, _accessor.Current!.Tenant));

            // A continuation resumed by another thread (which completes what this method waits for).
            var resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = Task.Run(resumed.SetResult);
            await resumed.Task;
            Assert.Same(Acme, _accessor.Current!.Tenant);
        }

        Assert.Null(_accessor.Current);
        await Task.Yield();
        Assert.Null(_accessor.Current);
    }

    [Fact]
    public async Task NestedScopes_AcrossAwaits_RestoreTheOuterOnDispose()
    {
        using (_accessor.BeginTenantScope(Acme))
        {
            await Task.Yield();
            using (_accessor.BeginTenantScope(Globex))
            {
                await Task.Yield();
                Assert.Same(Globex, _accessor.Current!.Tenant);
            }

            await Task.Yield();
            Assert.Same(Acme, _accessor.Current!.Tenant);
        }

        await Task.Yield();
        Assert.Null(_accessor.Current);
    }

    [Fact]
    public async Task ParallelTasks_EachSeeTheirOwnTenant()
    {
        var tenants = Enumerable.Range(0, 64).Select(i => TestTenants.Create($"t{i}")).ToArray();
        var allInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inside = 0;
        var mismatches = 0;

        var workers = tenants.Select(tenant => Task.Run(async () =>
        {
            using (_accessor.BeginTenantScope(tenant))
            {
                if (Interlocked.Increment(ref inside) == tenants.Length)
                {
                    allInside.SetResult();
                }

                // Every worker holds its scope until all of them hold one, so they truly overlap.
                await allInside.Task;
                for (var i = 0; i < 20; i++)
                {
                    await Task.Yield();
                    if (!ReferenceEquals(_accessor.Current?.Tenant, tenant))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            }

            if (_accessor.Current is not null)
            {
                Interlocked.Increment(ref mismatches);
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, mismatches);
        Assert.Null(_accessor.Current);
    }

    [Fact]
    public async Task ChildTask_ChangingItsScope_DoesNotAffectTheParent()
    {
        using (_accessor.BeginTenantScope(Acme))
        {
            await Task.Run(async () =>
            {
                using (_accessor.BeginTenantScope(Globex))
                {
                    await Task.Yield();
                    Assert.Same(Globex, _accessor.Current!.Tenant);
                }

                Assert.Same(Acme, _accessor.Current!.Tenant);
            });

            Assert.Same(Acme, _accessor.Current!.Tenant);
        }
    }

    [Fact]
    public async Task ScopeBegunInAnAsyncCallee_DoesNotLeakToTheCaller()
    {
        using (_accessor.BeginTenantScope(Acme))
        {
            var seenInside = await BeginWithoutDisposingAsync(Globex);

            Assert.Same(Globex, seenInside);
            Assert.Same(Acme, _accessor.Current!.Tenant);
        }

        await BeginWithoutDisposingAsync(Initech);
        Assert.Null(_accessor.Current);
    }

    [Fact]
    public async Task ScopeBegunInACalleeThatCompletesSynchronously_DoesNotLeakToTheCaller()
    {
        await BeginWithoutDisposingSynchronouslyAsync(Globex);

        Assert.Null(_accessor.Current);
    }

    [Fact]
    public void Dispose_Twice_RestoresOnlyOnce()
    {
        using var outer = _accessor.BeginTenantScope(Acme);
        var inner = _accessor.BeginTenantScope(Globex);
        inner.Dispose();
        using var later = _accessor.BeginTenantScope(Initech);

        inner.Dispose();

        Assert.Same(Initech, _accessor.Current!.Tenant);
    }

    [Fact]
    public void Accessors_ShareOneAmbientContext()
    {
        var other = new TenantContextAccessor();

        using var scope = _accessor.BeginTenantScope(Acme);

        Assert.Same(Acme, other.Current!.Tenant);
    }

    [Fact]
    public void Begin_ExplicitContext_IsCurrentUntilDisposed()
    {
        var context = TenantContext.ForTenant(Acme);

        using (var scope = TenantContextAccessor.Begin(context))
        {
            Assert.Same(context, _accessor.Current);
            Assert.Same(context, scope.Context);
        }

        Assert.Null(_accessor.Current);
        Assert.Throws<ArgumentNullException>(() => TenantContextAccessor.Begin(null!));
    }

    [Fact]
    public void TenantContext_Factories_DescribeWhoIsServed()
    {
        using var provider = new ServiceCollection().BuildServiceProvider();

        Assert.Same(TenantContext.Host, TenantContext.ForHost(null));
        var host = TenantContext.ForHost(provider);
        Assert.True(host.IsHost);
        Assert.Same(provider, host.Services);
        Assert.Equal("host", host.ToString());
        Assert.Equal("tenant acme", TenantContext.ForTenant(Acme).ToString());
        Assert.Throws<ArgumentNullException>(() => TenantContext.ForTenant(null!));
        Assert.Throws<ArgumentNullException>(() => _accessor.BeginTenantScope(null!));
    }

    private async Task<TenantInfo?> BeginWithoutDisposingAsync(TenantInfo tenant)
    {
        _accessor.BeginTenantScope(tenant);
        await Task.Yield();
        return _accessor.Current?.Tenant;
    }

    private Task BeginWithoutDisposingSynchronouslyAsync(TenantInfo tenant)
    {
        return Inner();

        async Task Inner()
        {
            _accessor.BeginTenantScope(tenant);
            await Task.CompletedTask;
        }
    }
}
