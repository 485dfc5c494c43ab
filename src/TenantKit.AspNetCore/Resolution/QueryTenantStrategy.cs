namespace TenantKit.AspNetCore.Resolution;

/// <summary>Reads the identifier from a query-string parameter (<c>?tenant=acme</c>). A repeated parameter is refused as malformed.</summary>
internal sealed class QueryTenantStrategy(string parameterName) : ITenantStrategy<HttpContext>
{
    public string ParameterName { get; } = parameterName;

    public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(HttpContext context, CancellationToken cancellationToken)
        => new(context.Request.QueryString.HasValue ? IdentifierText.Single(context.Request.Query[ParameterName]) : default);
}
