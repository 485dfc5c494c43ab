using TenantKit.Resolution;

namespace TenantKit.AspNetCore.Resolution;

/// <summary>
/// Reads the identifier from a request header (<c>X-Tenant: acme</c>). A header is whatever the client sends: use it
/// behind a gateway that sets it, or together with the claim strategy, which refuses a header naming another tenant
/// than the signed-in user's. A repeated header is refused as malformed.
/// </summary>
internal sealed class HeaderTenantStrategy(string headerName) : ITenantSourceStrategy<HttpContext>
{
    public string HeaderName { get; } = headerName;

    public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(HttpContext context, CancellationToken cancellationToken)
        => new(IdentifierText.Single(context.Request.Headers[HeaderName]));

    public string? GetSource(HttpContext context) => IdentifierText.Source(context.Request.Headers[HeaderName]);

    public ReadOnlyMemory<char> Extract(string source) => IdentifierText.Prepare(source.AsMemory());
}
