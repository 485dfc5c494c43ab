using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// Checks every save before any SQL runs: added tenant-owned entities are stamped with the current tenant (or refused
/// when they name another); modified and deleted ones must have been read for the current tenant; the tenant column
/// never changes. The host may write any tenant's rows but must name the tenant of what it adds. A refusal throws
/// before the database is touched, so nothing is changed.
/// </summary>
internal sealed class TenantSaveChangesInterceptor : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Check(DbContext? context)
    {
        if (context is null || context.Model.FindAnnotation(TenantModelConvention.ModelAnnotation) is null)
        {
            return;
        }

        var tracker = context.ChangeTracker;
        if (tracker.AutoDetectChangesEnabled)
        {
            tracker.DetectChanges();
        }

        TenantDbContextState? state = null;
        var isHost = false;
        string? tenantId = null;
        List<PropertyEntry>? stamps = null;
        foreach (var entry in tracker.Entries())
        {
            if (entry.State is EntityState.Unchanged or EntityState.Detached
                || entry.Metadata.GetRootType().FindAnnotation(TenantQueryFilter.PropertyAnnotation)?.Value is not string name)
            {
                continue;
            }

            if (state is null)
            {
                state = TenantFilterFunctions.State(context);
                (isHost, tenantId) = state.ForWrite();
            }

            var property = entry.Property(name);
            var current = property.CurrentValue as string;
            var original = property.OriginalValue as string;
            switch (entry.State)
            {
                case EntityState.Added when string.IsNullOrEmpty(current):
                    if (isHost)
                    {
                        throw new TenantNotSetException(
                            $"The host added a {entry.Metadata.DisplayName()} without its tenant: set '{name}' to the tenant's id. Only code serving a tenant has its rows stamped.");
                    }

                    (stamps ??= []).Add(property);
                    break;
                case EntityState.Added when !isHost && !string.Equals(current, tenantId, StringComparison.Ordinal):
                    throw Cross(state, $"A {entry.Metadata.DisplayName()} of another tenant was added while serving tenant '{tenantId}'.");
                case EntityState.Modified when property.IsModified && !string.Equals(current, original, StringComparison.Ordinal):
                    throw Cross(state, $"The tenant column '{name}' of a {entry.Metadata.DisplayName()} was changed; a row never moves to another tenant.");
                case EntityState.Modified or EntityState.Deleted when !isHost && !string.Equals(original, tenantId, StringComparison.Ordinal):
                    throw Cross(state, $"A {entry.Metadata.DisplayName()} of another tenant was {(entry.State == EntityState.Deleted ? "deleted" : "modified")} while serving tenant '{tenantId}'.");
            }
        }

        if (stamps is not null)
        {
            foreach (var property in stamps)
            {
                property.CurrentValue = tenantId;
            }
        }
    }

    private static CrossTenantAccessException Cross(TenantDbContextState state, string message)
    {
        Log.Refused(state.Logger, state.ContextName, message);
        return new CrossTenantAccessException(message + " Nothing was saved.");
    }
}
