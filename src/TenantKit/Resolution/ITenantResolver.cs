namespace TenantKit.Resolution;

/// <summary>Resolves the tenant of a context: strategies in order, then the catalog (behind its cache).</summary>
/// <typeparam name="TContext">What the identifier is read from.</typeparam>
public interface ITenantResolver<in TContext>
{
    /// <summary>Resolves the tenant of <paramref name="context"/>. A cached tenant resolves synchronously, allocating nothing.</summary>
    /// <param name="context">The context.</param>
    /// <param name="cancellationToken">Cancels the resolution.</param>
    /// <returns>The outcome; it never throws for an unknown tenant or an unavailable store.</returns>
    ValueTask<TenantResolution> ResolveAsync(TContext context, CancellationToken cancellationToken = default);
}
