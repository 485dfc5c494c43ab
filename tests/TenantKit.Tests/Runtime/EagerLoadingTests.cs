using TenantKit.Tests.Support;

namespace TenantKit.Tests.Runtime;

public class EagerLoadingTests
{
    private static TenantDraft Draft(string id, string? loading = null, TenantState state = TenantState.Active)
        => new(id)
        {
            Id = id,
            State = state,
            Properties = loading is null ? null : new Dictionary<string, string> { [TenantRuntimeOptions.LoadingPolicyProperty] = loading },
        };

    [Fact]
    public async Task LoadingPolicy_Default_IsLazy_NothingIsBuiltAtStart()
    {
        Assert.Equal(TenantLoadingPolicy.Lazy, new TenantRuntimeOptions().LoadingPolicy);
        await using var h = RuntimeHarness.Create("a", "b");

        await h.StartAsync();

        Assert.Empty(h.Runtime.GetStatuses());
        Assert.Equal(0, h.Runtime.Counts.Builds);
    }

    [Fact]
    public async Task StoreUnreachableAtStart_TheHostStillStarts_AndTheSkipIsLogged()
    {
        var store = new ControllableTenantStore();
        store.FailWith(new IOException("connection refused"));
        await using var h = RuntimeHarness.Create(
            [],
            b => b.WithStore(_ => store).ConfigureRuntime(o => o.LoadingPolicy = TenantLoadingPolicy.Eager));

        await h.StartAsync();

        Assert.Empty(h.Runtime.GetStatuses());
        var skipped = Assert.Single(h.Logs.WithEventId(3013));
        Assert.IsType<TenantCatalogUnavailableException>(skipped.Exception);
    }

    [Fact]
    public async Task Eager_BuildsEveryActiveTenantAtStart()
    {
        await using var h = RuntimeHarness.Create(
            [Draft("a"), Draft("b"), Draft("c"), Draft("off", state: TenantState.Suspended)],
            b => b.ConfigureRuntime(o => o.LoadingPolicy = TenantLoadingPolicy.Eager));

        await h.StartAsync();

        Assert.Equal(["a", "b", "c"], Resident(h));
        Assert.Null(h.Runtime.GetStatus("off"));
        Assert.All(h.Runtime.GetStatuses(), s => Assert.Equal(0, s.LeasesOut));
    }

    [Fact]
    public async Task TenantProperty_Eager_OverridesALazyPolicy()
    {
        await using var h = RuntimeHarness.Create([Draft("a", loading: "Eager"), Draft("b"), Draft("c", loading: "eager")]);

        await h.StartAsync();

        Assert.Equal(["a", "c"], Resident(h));
    }

    [Fact]
    public async Task TenantProperty_Lazy_OverridesAnEagerPolicy()
    {
        await using var h = RuntimeHarness.Create(
            [Draft("a", loading: "Lazy"), Draft("b"), Draft("c", loading: "Eager"), Draft("d", loading: "unknown")],
            b => b.ConfigureRuntime(o => o.LoadingPolicy = TenantLoadingPolicy.Eager));

        await h.StartAsync();

        // "a" opts out, "b" and "d" (an unreadable value) follow the policy, "c" opts in.
        Assert.Equal(["b", "c", "d"], Resident(h));
    }

    [Fact]
    public async Task Eager_AFailingTenant_DoesNotStopTheOthersOrTheHost()
    {
        await using var h = RuntimeHarness.Create(
            [Draft("a"), Draft("bad"), Draft("c")],
            b => b
                .ConfigureRuntime(o => o.LoadingPolicy = TenantLoadingPolicy.Eager)
                .ConfigureTenantServices((t, _) =>
                {
                    if (t.Id == "bad")
                    {
                        throw new InvalidOperationException("bad config");
                    }
                }));

        await h.StartAsync();

        Assert.Equal(["a", "c"], Resident(h));
        Assert.Equal((false, false, true), (h.Status("bad").IsResident, h.Status("bad").IsBuilding, h.Status("bad").LastError is not null));
        var logged = Assert.Single(h.Logs.WithEventId(3009));
        Assert.Contains("bad", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eager_BuildsWithBoundedParallelism()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        var threeIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fourthIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sync = new Lock();
        await using var h = RuntimeHarness.Create(
            RuntimeHarness.Tenants(12),
            b => b
                .ConfigureRuntime(o =>
                {
                    o.LoadingPolicy = TenantLoadingPolicy.Eager;
                    o.MaxConcurrentBuilds = 3;
                })
                .OnTenantActivated(async (_, _, _) =>
                {
                    lock (sync)
                    {
                        inFlight++;
                        maxInFlight = Math.Max(maxInFlight, inFlight);
                        if (inFlight == 3)
                        {
                            threeIn.TrySetResult();
                        }
                        else if (inFlight == 4)
                        {
                            fourthIn.TrySetResult();
                        }
                    }

                    await gate.Task;
                    lock (sync)
                    {
                        inFlight--;
                    }
                }));

        var starting = h.StartAsync();
        await threeIn.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Three eager builds hold every slot. Every tenant's build is started (here, by asking for each tenant, which joins
        // a build already running): once the other nine are queued for a slot, none can start until one is released, so
        // no fourth build, however long we would wait.
        var asked = new List<Task<TenantLease>>();
        for (var i = 0; i < 12; i++)
        {
            asked.Add(h.Runtime.AcquireAsync(await h.TenantAsync($"t{i:000}")).AsTask());
        }

        await Eventually.UntilAsync(() => h.Runtime.BuildsWaitingForASlot == 9 || fourthIn.Task.IsCompleted, "the nine other builds queue for a slot");
        Assert.False(fourthIn.Task.IsCompleted, "a fourth build started while three held every slot");
        Assert.Equal(12, h.Runtime.Counts.Building);
        Assert.False(starting.IsCompleted);
        gate.SetResult();
        await starting;
        foreach (var lease in await Task.WhenAll(asked).WaitAsync(TimeSpan.FromSeconds(10)))
        {
            lease.Dispose();
        }

        Assert.Equal(12, Resident(h).Length);
        Assert.Equal(3, maxInFlight);
    }

    [Fact]
    public async Task CreatedEagerTenant_IsBuiltWhenItAppears()
    {
        await using var h = RuntimeHarness.Create([Draft("a")], b => b.ConfigureRuntime(o => o.LoadingPolicy = TenantLoadingPolicy.Eager));
        await h.StartAsync();

        using (h.HostScope())
        {
            await h.Administration.CreateAsync(new TenantDraft("new") { Id = "new" });
        }

        await Eventually.UntilAsync(() => h.IsResident("new"), "the new eager tenant is built");
    }

    private static string[] Resident(RuntimeHarness h)
        => [.. h.Runtime.GetStatuses().Where(s => s.IsResident).Select(s => s.Identifier)];
}
