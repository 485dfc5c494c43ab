namespace TenantKit.Data;

/// <summary>
/// States where each tenant's data lives, from <see cref="TenantDataOptions"/> and the tenant's properties. The EF Core
/// adapter uses it; so can any other data access (Dapper, ADO.NET), which then follows the same rules: no tenant and
/// no host scope means no data (<see cref="TenantNotSetException"/>), and only an explicit host scope reads across tenants.
/// </summary>
public interface ITenantConnectionResolver
{
    /// <summary>The host's location: the shared database, default schema, across tenants.</summary>
    TenantDataLocation Host { get; }

    /// <summary>Where <paramref name="tenant"/>'s data lives.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <returns>The location; the same instance for the same tenant snapshot.</returns>
    /// <exception cref="TenantValidationException">The tenant's data properties are invalid or incomplete.</exception>
    TenantDataLocation Resolve(TenantInfo tenant);

    /// <summary>Where the current code's data lives: the current tenant's location, or <see cref="Host"/> in a host scope.</summary>
    /// <returns>The location.</returns>
    /// <exception cref="TenantNotSetException">There is neither a current tenant nor a host scope.</exception>
    /// <exception cref="TenantValidationException">The tenant's data properties are invalid or incomplete.</exception>
    TenantDataLocation ResolveCurrent();
}
