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

    /// <summary>
    /// The warm path of <see cref="ResolveAsync"/>: resolves <paramref name="context"/> at once, with no cancellation
    /// token, when the resolver can answer without any work that might wait (TenantKit's resolver does when the catalog
    /// recalls the tenant of a string its strategy read recently, see <see cref="ITenantCatalog.TryRecall"/>). When it
    /// returns <see langword="true"/>, <paramref name="resolution"/> is what <see cref="ResolveAsync"/> would answer;
    /// otherwise callers call <see cref="ResolveAsync"/>. The default implementation returns <see langword="false"/>, so a
    /// resolver that does not implement it (a decorator) is always asked through <see cref="ResolveAsync"/>.
    /// </summary>
    /// <param name="context">The context.</param>
    /// <param name="resolution">The outcome, when answered.</param>
    /// <returns><see langword="true"/> when <paramref name="resolution"/> holds the answer.</returns>
    bool TryResolveRecent(TContext context, out TenantResolution resolution)
    {
        resolution = default;
        return false;
    }
}
