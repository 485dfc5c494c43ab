using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Specification;
using TenantKit.Runtime.Container;

namespace TenantKit.Tests.Runtime.Container;

/// <summary>
/// Microsoft.Extensions.DependencyInjection's own specification suite, run against the tenant container: every
/// registration's instance and factory shared through the plan (as the template's are).
/// </summary>
public sealed class ContainerSpecificationTests : DependencyInjectionSpecificationTests
{
    protected override IServiceProvider CreateServiceProvider(IServiceCollection serviceCollection)
        => ContainerSpecification.Build(serviceCollection, shared: true);
}

/// <summary>The specification suite with every instance and factory held by the container itself (as a tenant's own are).</summary>
public sealed class ContainerOwnValuesSpecificationTests : DependencyInjectionSpecificationTests
{
    protected override IServiceProvider CreateServiceProvider(IServiceCollection serviceCollection)
        => ContainerSpecification.Build(serviceCollection, shared: false);
}

/// <summary>The keyed services specification suite against the tenant container.</summary>
public sealed class ContainerKeyedSpecificationTests : KeyedDependencyInjectionSpecificationTests
{
    protected override IServiceProvider CreateServiceProvider(IServiceCollection collection)
        => ContainerSpecification.Build(collection, shared: true);
}

/// <summary>The keyed services specification suite with every instance and factory the container's own.</summary>
public sealed class ContainerOwnValuesKeyedSpecificationTests : KeyedDependencyInjectionSpecificationTests
{
    protected override IServiceProvider CreateServiceProvider(IServiceCollection collection)
        => ContainerSpecification.Build(collection, shared: false);
}

internal static class ContainerSpecification
{
    public static IServiceProvider Build(IServiceCollection services, bool shared)
    {
        var descriptors = services.ToArray();
        var ownStart = shared ? descriptors.Length : 0;
        return new ContainerScope(new ContainerPlan(descriptors, ownStart, validateScopes: false), descriptors[ownStart..]);
    }
}
