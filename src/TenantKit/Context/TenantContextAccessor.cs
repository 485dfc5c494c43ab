using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TenantKit;

/// <summary>
/// The <see cref="ITenantContextAccessor"/> over one process-wide <see cref="AsyncLocal{T}"/>: every instance sees
/// the same ambient context, so code without dependency injection can create one.
/// </summary>
internal sealed class TenantContextAccessor : ITenantContextAccessor
{
    internal static readonly AsyncLocal<TenantContext?> Ambient = new();

    private readonly ILogger _logger;

    /// <summary>Creates an accessor.</summary>
    public TenantContextAccessor()
        : this(null)
    {
    }

    /// <summary>Creates an accessor that logs host scopes.</summary>
    /// <param name="logger">Where host scopes are logged.</param>
    public TenantContextAccessor(ILogger<TenantContextAccessor>? logger)
    {
        _logger = logger ?? NullLogger<TenantContextAccessor>.Instance;
    }

    /// <inheritdoc />
    public TenantContext? Current => Ambient.Value;

    /// <inheritdoc />
    public TenantScope BeginTenantScope(TenantInfo tenant, IServiceProvider? services = null)
        => Begin(TenantContext.ForTenant(tenant, services));

    /// <inheritdoc />
    public TenantScope BeginHostScope()
    {
        if (Ambient.Value is { IsHost: false } current)
        {
            // Code serving a tenant must never lift itself to the host: that would let a tenant read across tenants.
            throw new CrossTenantAccessException(
                $"Code running as tenant '{current.Tenant.Identifier}' may not begin a host scope. Only host code (a host request, a background job, start-up) may act as the host.");
        }

        Log.HostScopeEntered(_logger);
        return Begin(TenantContext.Host);
    }

    /// <inheritdoc />
    public void EnterTenant(TenantInfo tenant, IServiceProvider? services = null) => Ambient.Value = TenantContext.ForTenant(tenant, services);

    /// <summary>
    /// Makes <paramref name="context"/> current until the returned scope is disposed. A host context is refused inside
    /// a tenant scope, as with <see cref="BeginHostScope"/>.
    /// </summary>
    internal static TenantScope Begin(TenantContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsHost && Ambient.Value is { IsHost: false } current)
        {
            // The same rule as BeginHostScope: this public entry point must not be a way around it.
            throw new CrossTenantAccessException(
                $"Code running as tenant '{current.Tenant.Identifier}' may not begin a host scope. Only host code (a host request, a background job, start-up) may act as the host.");
        }

        var scope = new TenantScope(context, Ambient.Value);
        Ambient.Value = context;
        return scope;
    }
}
