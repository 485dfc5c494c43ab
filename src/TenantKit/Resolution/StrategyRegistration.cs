using System.Runtime.CompilerServices;

namespace TenantKit.Resolution;

/// <summary>One declared strategy: its context type and how to create it.</summary>
internal sealed class StrategyRegistration(Type contextType, Func<IServiceProvider, object> factory)
{
    // One instance per container, shared by the resolvers of every context type in it. Keyed by container because the
    // builder's configuration outlives any one of them: two providers built from one service collection (tests,
    // WebApplicationFactory) must not share a strategy holding the first one's services.
    private readonly ConditionalWeakTable<IServiceProvider, object> _instances = new();

    public Type ContextType { get; } = contextType;

    public object Create(IServiceProvider services) => _instances.GetValue(services, sp => factory(sp));
}
