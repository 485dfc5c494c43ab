namespace TenantKit.AspNetCore.Tests.Infrastructure;

/// <summary>A tenant store whose database is down: every call fails as a network error would.</summary>
internal sealed class UnreachableStore : ITenantStore
{
    public bool IsReadOnly => false;

    public ValueTask<TenantInfo?> FindByIdentifierAsync(string identifier, CancellationToken cancellationToken = default) => throw Down();

    public ValueTask<TenantInfo?> FindByIdAsync(string id, CancellationToken cancellationToken = default) => throw Down();

    public ValueTask<TenantPage> ListAsync(TenantQuery query, CancellationToken cancellationToken = default) => throw Down();

    public ValueTask<TenantInfo> AddAsync(TenantInfo tenant, CancellationToken cancellationToken = default) => throw Down();

    public ValueTask<TenantInfo> UpdateAsync(TenantInfo tenant, long expectedVersion, CancellationToken cancellationToken = default) => throw Down();

    public ValueTask DeleteAsync(string id, long expectedVersion, CancellationToken cancellationToken = default) => throw Down();

    private static IOException Down() => new("connection refused");
}
