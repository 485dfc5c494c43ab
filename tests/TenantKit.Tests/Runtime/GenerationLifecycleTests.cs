using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Tests.Runtime;

/// <summary>The generation state machine: the allowed transitions, and the refusal of every other one.</summary>
public class GenerationLifecycleTests
{
    // The state type is internal: the rows carry its names (xunit needs public parameter types on a public test class).
    public static TheoryData<string, string> Allowed => new()
    {
        { nameof(TenantGenerationState.Building), nameof(TenantGenerationState.Active) },
        { nameof(TenantGenerationState.Building), nameof(TenantGenerationState.Failed) },
        { nameof(TenantGenerationState.Building), nameof(TenantGenerationState.Draining) },
        { nameof(TenantGenerationState.Active), nameof(TenantGenerationState.Draining) },
        { nameof(TenantGenerationState.Draining), nameof(TenantGenerationState.Disposed) },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Transition_InTheTable_IsAllowed(string from, string to)
        => Assert.True(GenerationLifecycle.IsAllowed(Enum.Parse<TenantGenerationState>(from), Enum.Parse<TenantGenerationState>(to)));

    [Fact]
    public void EveryTransitionNotInTheTable_IsRefused()
    {
        var allowed = Allowed.Select(row => (Enum.Parse<TenantGenerationState>((string)row[0]), Enum.Parse<TenantGenerationState>((string)row[1]))).ToHashSet();
        foreach (var from in Enum.GetValues<TenantGenerationState>())
        {
            foreach (var to in Enum.GetValues<TenantGenerationState>())
            {
                Assert.Equal(allowed.Contains((from, to)), GenerationLifecycle.IsAllowed(from, to));
                if (!allowed.Contains((from, to)))
                {
                    var ex = Assert.Throws<InvalidOperationException>(() => GenerationLifecycle.EnsureAllowed(from, to));
                    Assert.Contains($"from {from} to {to}", ex.Message, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public void ActivatingAnActiveGeneration_IsRefused_AndChangesNothing()
    {
        var lifecycle = new GenerationLifecycle();
        lifecycle.Activate();
        Assert.True(lifecycle.TryAcquire(out _, out _));

        Assert.Throws<InvalidOperationException>(lifecycle.Activate);

        Assert.Equal(TenantGenerationState.Active, lifecycle.State);
        Assert.Equal(1, lifecycle.Leases);
    }

    [Fact]
    public void AFailedGeneration_CanNeitherServeNorDrain()
    {
        var lifecycle = new GenerationLifecycle();
        lifecycle.Fail();

        Assert.Throws<InvalidOperationException>(lifecycle.Activate);
        Assert.Throws<InvalidOperationException>(() => lifecycle.TryBeginDrain(out _));
        Assert.False(lifecycle.TryAcquire(out _, out _));
        Assert.Equal(TenantGenerationState.Failed, lifecycle.State);
    }

    [Fact]
    public void DisposingWhileALeaseIsOut_IsRefused()
    {
        var lifecycle = new GenerationLifecycle();
        lifecycle.Activate();
        Assert.True(lifecycle.TryAcquire(out var primary, out var token));
        Assert.True(lifecycle.TryBeginDrain(out var leasesOut));
        Assert.Equal(1, leasesOut);

        Assert.Throws<InvalidOperationException>(lifecycle.MarkDisposed);

        Assert.Equal(0, primary);
        Assert.True(lifecycle.TryReleasePrimary(primary, token, out var gone));
        Assert.True(gone);
        lifecycle.MarkDisposed();
        Assert.Equal(TenantGenerationState.Disposed, lifecycle.State);
        Assert.Throws<InvalidOperationException>(lifecycle.MarkDisposed);
    }

    [Fact]
    public void ADrainingGeneration_TakesNoLease_AndASecondDrainStartsNothing()
    {
        var lifecycle = new GenerationLifecycle();
        lifecycle.Activate();
        Assert.True(lifecycle.TryBeginDrain(out _));

        Assert.False(lifecycle.TryAcquire(out _, out _));
        Assert.False(lifecycle.TryBeginDrain(out _));
        Assert.False(lifecycle.TryBeginDrainIfUnleased());
        Assert.Equal(TenantGenerationState.Draining, lifecycle.State);
    }

    [Fact]
    public void AStaleTokenOfAPrimaryRecord_ReleasesNothing_NotEvenTheNextHoldersClaim()
    {
        var lifecycle = new GenerationLifecycle();
        lifecycle.Activate();
        Assert.True(lifecycle.TryAcquire(out var first, out var stale));
        Assert.True(lifecycle.TryReleasePrimary(first, stale, out _));
        Assert.True(lifecycle.TryAcquire(out var again, out var current));

        Assert.Equal(first, again);
        Assert.NotEqual(stale, current);
        Assert.False(lifecycle.TryReleasePrimary(first, stale, out _));
        Assert.Equal(1, lifecycle.Leases);
    }

    [Fact]
    public void TwoLeasesTakeThePrimaryRecords_AThirdAsksForASpare_AndEachReleaseCounts()
    {
        var lifecycle = new GenerationLifecycle();
        lifecycle.Activate();
        Assert.True(lifecycle.TryAcquire(out var a, out var tokenA));
        Assert.True(lifecycle.TryAcquire(out var b, out var tokenB));
        Assert.True(lifecycle.TryAcquire(out var c, out _));

        Assert.Equal((0, 1, -1), (a, b, c));
        Assert.Equal(3, lifecycle.Leases);
        Assert.True(lifecycle.TryBeginDrain(out _));
        Assert.True(lifecycle.TryReleasePrimary(b, tokenB, out var gone));
        Assert.False(gone);
        Assert.False(lifecycle.TryReleasePrimary(b, tokenB, out _));
        lifecycle.ReleaseSpare(out gone);
        Assert.False(gone);
        Assert.True(lifecycle.TryReleasePrimary(a, tokenA, out gone));
        Assert.True(gone);
        Assert.Equal(0, lifecycle.Leases);
    }

    [Fact]
    public async Task AResidentGeneration_RefusesToBeActivatedAgain()
    {
        await using var h = RuntimeHarness.Create("acme");
        await using var lease = await h.AcquireAsync("acme");
        var generation = lease.LeasedGeneration!;

        Assert.Throws<InvalidOperationException>(() => generation.Activate(h.Runtime.Now()));
        Assert.Throws<InvalidOperationException>(generation.Fail);

        Assert.Equal((true, false), (h.Status("acme").IsResident, h.Status("acme").IsBuilding));
        Assert.NotNull(lease.Services.GetRequiredService<GenerationProbe>());
    }
}
