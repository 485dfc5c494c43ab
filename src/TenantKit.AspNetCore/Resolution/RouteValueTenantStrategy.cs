namespace TenantKit.AspNetCore.Resolution;

/// <summary>
/// Reads the identifier from a route value (<c>/{tenant}/orders</c>) matched by endpoint routing. It answers only when
/// routing ran before the tenant middleware, which is the case in a <c>WebApplication</c> and whenever
/// <c>UseTenantKit()</c> follows <c>UseRouting()</c>.
/// </summary>
internal sealed class RouteValueTenantStrategy(string routeValueName) : ITenantStrategy<HttpContext>
{
    public string RouteValueName { get; } = routeValueName;

    public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(HttpContext context, CancellationToken cancellationToken)
        => new(context.Request.RouteValues.TryGetValue(RouteValueName, out var value) && value is string text
            ? IdentifierText.Prepare(text.AsMemory())
            : default);
}
