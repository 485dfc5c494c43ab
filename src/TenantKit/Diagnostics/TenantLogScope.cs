using System.Collections;

namespace TenantKit.Diagnostics;

/// <summary>
/// A logging scope carrying the tenant's id and identifier (<c>TenantId</c>, <c>TenantIdentifier</c>), for
/// <see cref="Microsoft.Extensions.Logging.ILogger.BeginScope{TState}"/>. Structured loggers see both as properties.
/// </summary>
internal sealed class TenantLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    /// <summary>Creates the scope for a tenant.</summary>
    /// <param name="tenant">The tenant.</param>
    public TenantLogScope(TenantInfo tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        Tenant = tenant;
    }

    /// <summary>The tenant.</summary>
    public TenantInfo Tenant { get; }

    /// <inheritdoc />
    public int Count => 2;

    /// <inheritdoc />
    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("TenantId", Tenant.Id),
        1 => new("TenantIdentifier", Tenant.Identifier),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => $"TenantId:{Tenant.Id} TenantIdentifier:{Tenant.Identifier}";
}
