namespace TenantKit.Resolution;

/// <summary>One declared strategy: its context type and how to create it.</summary>
internal sealed class StrategyRegistration(Type contextType, Func<IServiceProvider, object> factory)
{
    private object? _instance;

    public Type ContextType { get; } = contextType;

    public object Create(IServiceProvider services) => LazyInitializer.EnsureInitialized(ref _instance, () => factory(services));
}
