namespace TenantKit.Resolution;

/// <summary>The strategies declared for one context type, in declaration order, as the resolver and the reader run them.</summary>
internal static class DeclaredStrategies
{
    public static ITenantStrategy<TContext>[] For<TContext>(IServiceProvider services, TenantServicesConfiguration configuration)
    {
        var strategies = new List<ITenantStrategy<TContext>>();
        foreach (var registration in configuration.Strategies)
        {
            var instance = registration.Create(services);
            if (instance is ITenantStrategy<TContext> strategy)
            {
                strategies.Add(strategy);
            }
            else if (instance is StaticTenantStrategy fixedAnswer)
            {
                // A static strategy answers for any context, value types included.
                strategies.Add(fixedAnswer.For<TContext>());
            }
        }

        return [.. strategies];
    }
}
