using TenantKit.Yarp.Routing;

namespace TenantKit.Yarp.Tests.Routing;

/// <summary>
/// The proxy reads a request's tenant as a node does: the same strategies, run by the proxy's reader (no catalog) and by
/// a node's resolver (with a catalog), must agree on every request: the same tenant, the same refusal of a malformed
/// identifier, the same "no tenant".
/// </summary>
public sealed class IdentifierParityTests
{
    private static readonly Action<TenantKitBuilder> Strategies = tenants => tenants
        .WithHostStrategy("{tenant}.example.com")
        .WithPathBaseStrategy("/t/{tenant}")
        .WithHeaderStrategy("X-Tenant");

    public static TheoryData<string, string, string?, string, string> Requests => new()
    {
        // host, path, X-Tenant header(s) separated by '|', expected, why
        { "acme.example.com", "/", null, "acme", "plain host" },
        { "ACME.Example.COM", "/", null, "acme", "letter case folded" },
        { "acme.example.com:8443", "/", null, "acme", "port ignored" },
        { "acme.example.com.", "/", null, "acme", "one trailing dot ignored" },
        { "bücher.example.com", "/", null, "xn--bcher-kva", "Unicode host in punycode" },
        { "xn--bcher-kva.example.com", "/", null, "xn--bcher-kva", "punycode host" },
        { "\u212Aacme.example.com", "/", null, "invalid", "Kelvin sign folding to k: a look-alike" },
        { "\u0430cme.example.com", "/", null, "invalid", "Cyrillic a among Latin letters: a look-alike" },
        { "-acme.example.com", "/", null, "invalid", "leading hyphen" },
        { "xn--cme-5cd.example.com", "/", null, "unknown", "punycode of a look-alike: looked up, and no tenant has it" },
        { "nobody.example.com", "/", null, "unknown", "valid, no such tenant" },
        { "ac_me.example.com", "/", null, "invalid", "underscore" },
        { "acme.example.com:80:80", "/", null, "invalid", "two colons" },
        { "example.com", "/", null, "none", "bare domain" },
        { "[::1]:5000", "/", null, "none", "IPv6 literal" },
        { "localhost", "/t/globex/orders", null, "globex", "path base" },
        { "localhost", "/t/GLOBEX", null, "globex", "path base, case folded" },
        { "localhost", "/t/", null, "none", "empty path segment" },
        { "localhost", "/t/glo.bex/x", null, "invalid", "dot in a path identifier" },
        { "localhost", "/orders", "initech", "initech", "header" },
        { "localhost", "/orders", "Initech", "initech", "header, case folded" },
        { "localhost", "/orders", "initech|globex", "invalid", "repeated header" },
        { "localhost", "/orders", "bücher", "xn--bcher-kva", "Unicode header in punycode" },
        { "acme.example.com", "/t/globex", "initech", "acme", "the first declared strategy wins" },
    };

    private static readonly string[] Known = ["acme", "globex", "initech", "xn--bcher-kva"];

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task ProxyReadsTheTenantAsTheNodeResolvesIt(string host, string path, string? header, string expected, string why)
    {
        using var node = NodeResolver();
        using var proxy = new ProxyTenantReader(Strategies);

        var resolution = await node.GetRequiredService<ITenantResolver<HttpContext>>().ResolveAsync(Request(host, path, header));
        var reading = await proxy.Reader.ReadAsync(Request(host, path, header));

        var nodeSays = resolution.Status switch
        {
            TenantResolutionStatus.Resolved => resolution.Tenant!.Identifier,
            TenantResolutionStatus.InvalidIdentifier => "invalid",
            TenantResolutionStatus.NoIdentifier => "none",
            TenantResolutionStatus.NotFound => "unknown",
            _ => $"unexpected {resolution.Status}",
        };
        var proxySays = reading.IsInvalid ? "invalid" : reading.Identifier is { } read ? (Known.Contains(read) ? read : "unknown") : "none";
        Assert.True(nodeSays == expected, $"{why}: the node says {nodeSays}");
        Assert.True(proxySays == nodeSays, $"{why}: the proxy says {proxySays}, the node {nodeSays}");
    }

    private static ServiceProvider NodeResolver()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTenantKit(tenants => Strategies(tenants.WithInMemoryStore(
            [.. Known.Select(k => new TenantDraft(k))])));
        return services.BuildServiceProvider();
    }

    private static DefaultHttpContext Request(string host, string path, string? header)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Host = host;
        context.Request.Path = path;
        if (header is not null)
        {
            context.Request.Headers["X-Tenant"] = header.Split('|');
        }

        return context;
    }
}
