using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using TenantKit.Samples.Saas.Identity;
using TenantKit.Samples.Saas.Tenancy;
using TenantKit.Catalog;

namespace TenantKit.Samples.Saas.Data;

/// <summary>
/// On the first run (an empty catalog), adds the tenants <c>acme</c> (shared tables, free plan) and <c>globex</c> (its
/// own database, pro plan) as the host, then a few notes and users (<see cref="SampleAccounts.Seeded"/>) in each, as that tenant. Runs at start-up, before requests
/// are served.
/// </summary>
public sealed class SampleSeeder(
    ITenantAdministration administration,
    ITenantContextAccessor accessor,
    ITenantExecutor executor,
    IServiceProvider services,
    TimeProvider time,
    ILogger<SampleSeeder> logger) : IHostedService
{
    private static readonly (TenantDraft Tenant, string[] Notes)[] Seed =
    [
        (new TenantDraft("acme")
        {
            Name = "Acme Corporation",
            Properties = SampleTenants.Properties("#d9480f", "Quality anvils since 1949", "free", ownDatabase: false),
        },
        [
            "Order more anvils|The road runner keeps winning. Twelve anvils, express delivery.",
            "Rocket skates recall|Customers report skates that only go up. Check batch 42.",
            "Team lunch|Friday at noon, the canyon diner.",
        ]),
        (new TenantDraft("globex")
        {
            Name = "Globex Corporation",
            Properties = SampleTenants.Properties("#0b7285", "Tomorrow's technology, today", "pro", ownDatabase: true),
        },
        [
            "Quarterly goals|Ship the hammock district. Hire a new henchperson.",
            "Welcome, Homer|New safety inspector starts Monday; show him the break room.",
        ]),
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using (accessor.BeginHostScope())
        {
            // The host's own view of the shared tables (used when a tenant is deleted) must exist even before any tenant does.
            await using (var scope = services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<NotesDbContext>().Database.EnsureTenantTablesAsync(cancellationToken);
                await scope.ServiceProvider.GetRequiredService<SampleIdentityContext>().Database.EnsureTenantTablesAsync(cancellationToken);
            }

            var existing = await administration.ListAsync(new TenantQuery { Take = 1 }, cancellationToken);
            if (existing.TotalCount > 0)
            {
                return;
            }

            foreach (var (tenant, _) in Seed)
            {
                await administration.CreateAsync(tenant, cancellationToken);
            }
        }

        foreach (var (tenant, notes) in Seed)
        {
            await executor.RunAsync(tenant.Identifier, async (tenantServices, ct) =>
            {
                var db = tenantServices.GetRequiredService<NotesDbContext>();
                var now = time.GetUtcNow();
                foreach (var note in notes)
                {
                    var parts = note.Split('|');
                    db.Notes.Add(new Note { Title = parts[0], Text = parts[1], CreatedAt = now, UpdatedAt = now });
                }

                await db.SaveChangesAsync(ct);

                // The tenant's own people, in its own Identity tables: the README's tour lists them.
                var users = tenantServices.GetRequiredService<UserManager<SampleUser>>();
                var roles = tenantServices.GetRequiredService<RoleManager<IdentityRole>>();
                foreach (var account in SampleAccounts.Seeded.Where(a => a.Tenant == tenant.Identifier))
                {
                    var result = await SampleAccounts.CreateAsync(users, roles, account.Email, account.Password, account.Administrator);
                    if (!result.Succeeded)
                    {
                        throw new InvalidOperationException($"Seeding {account.Email} at {tenant.Identifier} failed: {string.Join(" ", result.Errors.Select(e => e.Description))}");
                    }
                }
            }, cancellationToken);
        }

        logger.LogInformation("First run: added the tenants acme and globex with a few notes and users each.");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
