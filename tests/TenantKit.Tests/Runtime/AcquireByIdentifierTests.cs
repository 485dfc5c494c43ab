namespace TenantKit.Tests.Runtime;

/// <summary>
/// Acquiring by identifier through the catalog, and a tenant deleted while the build its caller waits for runs (issue
/// #15, point 7).
/// </summary>
public class AcquireByIdentifierTests
{
    [Fact]
    public async Task AcquireAsync_ByIdentifierInAnyCase_LeasesTheCatalogsTenant()
    {
        await using var h = RuntimeHarness.Create("acme");

        await using var lease = await h.PublicRuntime.AcquireAsync(h.Catalog, "ACME");

        Assert.Equal("acme", lease.Tenant.Id);
        Assert.Equal(1, lease.GenerationNumber);
    }

    [Fact]
    public async Task AcquireAsync_ByUnknownIdentifier_ThrowsTenantNotFound()
    {
        await using var h = RuntimeHarness.Create("acme");

        var ex = await Assert.ThrowsAsync<TenantNotFoundException>(async () => await h.PublicRuntime.AcquireAsync(h.Catalog, "globex"));

        Assert.Equal("globex", ex.Key);
        Assert.Null(h.Runtime.GetStatus("globex"));
    }

    [Fact]
    public async Task AcquireAsync_ByMalformedIdentifier_ThrowsInvalidTenantIdentifier()
    {
        await using var h = RuntimeHarness.Create("acme");

        await Assert.ThrowsAsync<InvalidTenantIdentifierException>(async () => await h.PublicRuntime.AcquireAsync(h.Catalog, "-acme-"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TenantDeletedWhileTheBuildRuns_TheWaitingAcquireEndsInTenantNotFound(bool buildFailsAfterTheDeletion)
    {
        // The caller was told the tenant could not be loaded (503 over HTTP) when the build failed after the deletion.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = RuntimeHarness.Create(RuntimeHarness.Tenants("acme"), b => b.OnTenantActivated(async (_, _, _) =>
        {
            entered.TrySetResult();
            await open.Task;
            if (buildFailsAfterTheDeletion)
            {
                throw new InvalidOperationException("the tenant's database is gone");
            }
        }));
        var waiting = h.PublicRuntime.AcquireAsync(h.Catalog, "acme").AsTask();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        using (h.HostScope())
        {
            await h.Administration.DeleteAsync("acme", expectedVersion: 1);
        }

        open.SetResult();

        await Assert.ThrowsAsync<TenantNotFoundException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        await h.PublicRuntime.WaitForUnloadAsync("acme").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(h.Runtime.GetStatus("acme") is null or { IsResident: false, IsBuilding: false, LastError: null });
        Assert.Equal(0, h.Runtime.Counts.Resident);
    }
}
