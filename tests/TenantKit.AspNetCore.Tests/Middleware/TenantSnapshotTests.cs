using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TenantKit.AspNetCore.Problems;

namespace TenantKit.AspNetCore.Tests.Middleware;

/// <summary>
/// A request sees one tenant snapshot, the one its container was built from, while the tenant is rebuilt after an
/// update; and a tenant deleted while its first build runs is not found (issue #15, points 4 and 7).
/// </summary>
public class TenantSnapshotTests
{
    [Fact]
    public async Task UpdateOfTheNameOnly_RequestsDuringTheRebuild_SeeTheOldSnapshotWithTheOldContainer()
    {
        var gate = new Gate(version: 2);
        await using var app = await StartAsync(gate);
        var client = app.GetTestClient();
        Assert.Equal("Acme|Acme|Hello from Acme", await client.GetStringAsync("http://acme.example.com/snapshot"));

        await UpdateAsync(app, new TenantUpdate { Name = "Acme Corp" });
        await gate.Entered;

        // Before the fix: "Acme Corp|Acme|..." (the feature had the new data, the container the old).
        Assert.Equal("Acme|Acme|Hello from Acme", await client.GetStringAsync("http://acme.example.com/snapshot"));
        gate.Open();
    }

    [Fact]
    public async Task UpdateOfAProperty_RequestsDuringTheRebuild_WaitAndSeeTheNewSnapshotWithTheNewContainer()
    {
        var gate = new Gate(version: 2);
        await using var app = await StartAsync(gate);
        var client = app.GetTestClient();
        Assert.Equal("Acme|Acme|Hello from Acme", await client.GetStringAsync("http://acme.example.com/snapshot"));

        await UpdateAsync(app, new TenantUpdate { Properties = new Dictionary<string, string> { ["Greeting"] = "Welcome to Acme" } });
        await gate.Entered;
        var waiting = client.GetStringAsync("http://acme.example.com/snapshot");
        Assert.False(waiting.IsCompleted); // The new generation is held in its start hook.

        gate.Open();
        Assert.Equal("Acme|Acme|Welcome to Acme", await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task TenantDeletedWhileItsFirstBuildRuns_TheWaitingRequestIsAnswered404NotFound()
    {
        // It was answered 503 tenant-load-failed.
        var gate = new Gate(version: 1);
        await using var app = await StartAsync(gate);
        var client = app.GetTestClient();
        var waiting = client.SendAsync(TestApp.Get("acme.example.com", "/snapshot"));
        await gate.Entered;

        using (app.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            await app.Services.GetRequiredService<ITenantAdministration>().DeleteAsync("t-acme", expectedVersion: 1);
        }

        gate.Open();
        using var response = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantNotFound, (await response.ReadProblemAsync()).Type);
    }

    private static Task<WebApplication> StartAsync(Gate gate)
        => TestApp.StartAsync(
            b => b.WithHostStrategy("{tenant}.example.com").OnTenantActivated((tenant, _, _) => gate.PassAsync(tenant)),
            app =>
            {
                app.UseTenantKit();

                // What the request sees of its tenant, and what its container was built from.
                app.MapGet("/snapshot", (HttpContext context) =>
                    $"{context.GetTenant()!.Name}|{context.RequestServices.GetRequiredService<TenantInfo>().Name}|{context.RequestServices.GetRequiredService<IOptions<GreetingOptions>>().Value.Text}");
            });

    private static async Task UpdateAsync(WebApplication app, TenantUpdate update)
    {
        using (app.Services.GetRequiredService<ITenantContextAccessor>().BeginHostScope())
        {
            var administration = app.Services.GetRequiredService<ITenantAdministration>();
            var current = (await administration.GetAsync("t-acme"))!;
            await administration.UpdateAsync("t-acme", update, current.Version);
        }
    }

    /// <summary>Holds the builds of one tenant version in their start hook until opened.</summary>
    private sealed class Gate(long version)
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public void Open() => _open.TrySetResult();

        public async ValueTask PassAsync(TenantInfo tenant)
        {
            if (tenant.Version == version)
            {
                _entered.TrySetResult();
                await _open.Task;
            }
        }
    }
}
