namespace TenantKit.Samples.Saas.Hosting;

/// <summary>
/// With <c>Sample:NodeName</c> set (<c>eng/cluster.sh</c> sets <c>a</c>, <c>b</c>, <c>c</c>), every response names the
/// node that answered in an <c>X-Sample-Node</c> header, so which node a front sent a tenant to can be seen from outside.
/// Unset (one node, the default), nothing is added.
/// </summary>
public static class NodeNameHeader
{
    /// <summary>The configuration key of the node's name.</summary>
    public const string NameKey = "Sample:NodeName";

    /// <summary>The response header.</summary>
    public const string HeaderName = "X-Sample-Node";

    /// <summary>Adds the header to every response, refusals included, when <see cref="NameKey"/> is set.</summary>
    public static WebApplication UseNodeNameHeader(this WebApplication app)
    {
        if (app.Configuration[NameKey] is { Length: > 0 } name && !string.IsNullOrWhiteSpace(name))
        {
            app.Use((context, next) =>
            {
                context.Response.Headers[HeaderName] = name;
                return next(context);
            });
        }

        return app;
    }
}
