using Microsoft.EntityFrameworkCore;

namespace TenantKit.MultiNode.Node.Data;

/// <summary>
/// Creates the shared notes table when the node starts (before it listens), in a host scope, as a deployment would run
/// its migrations. Tenants are not provisioned one by one when activated: building a tenant's container touches no
/// database, so a tenant the catalog cache knows can be activated while PostgreSQL is down. Several nodes starting at
/// once is safe (<c>EnsureTenantTablesAsync</c>).
/// </summary>
public sealed class NotesTables(IDbContextFactory<NotesDbContext> contexts, ITenantContextAccessor accessor) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var host = accessor.BeginHostScope();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.EnsureTenantTablesAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
