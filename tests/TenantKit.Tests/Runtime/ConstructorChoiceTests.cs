using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.Runtime;
using TenantKit.Runtime.Container;

namespace TenantKit.Tests.Runtime;

/// <summary>
/// The start-up check of host singletons follows the constructor the container calls: both choose through one
/// selector, and Microsoft's provider (which builds the host's singletons) chooses the same.
/// </summary>
public class ConstructorChoiceTests
{
    [Fact]
    public void TwoConstructorsOfOneLength_OnlyOneResolvable_TheCheckFollowsTheOneTheContainersCall()
    {
        var services = Services().AddSingleton<EqualLengths>();

        Assert.Equal("cache", Tenant(services).GetRequiredService<EqualLengths>().Chosen);
        Assert.Equal("cache", Microsoft(services).GetRequiredService<EqualLengths>().Chosen);
        Assert.Contains("Host singleton 'EqualLengths' depends on 'IMemoryCache'", Check(services), StringComparison.Ordinal);
    }

    [Fact]
    public void AmbiguousConstructors_RefusedByTheContainers_AreNotFollowedByTheCheck()
    {
        // Before the selector was shared, the check followed whichever constructor reflection listed first.
        var services = Services().AddSingleton<IOther, Other>().AddSingleton<Ambiguous>();

        var tenant = Assert.Throws<InvalidOperationException>(() => Tenant(services).GetRequiredService<Ambiguous>());
        var host = Assert.Throws<InvalidOperationException>(() => Microsoft(services).GetRequiredService<Ambiguous>());

        Assert.Contains("The following constructors are ambiguous", tenant.Message, StringComparison.Ordinal);
        Assert.Contains("The following constructors are ambiguous", host.Message, StringComparison.Ordinal);
        Assert.Null(Check(services));
    }

    [Fact]
    public void LongerConstructorWithADefault_IsChosenByAll_AndItsResolvableParametersAreFollowed()
    {
        var services = Services().AddSingleton<WithDefault>();

        Assert.Equal("cache", Tenant(services).GetRequiredService<WithDefault>().Chosen);
        Assert.Equal("cache", Microsoft(services).GetRequiredService<WithDefault>().Chosen);
        Assert.Contains("Host singleton 'WithDefault' depends on 'IMemoryCache'", Check(services), StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceKeyParameter_OfAKeyedSingleton_IsTheKeyForAll_AndTheCheckFollowsThatConstructor()
    {
        var services = Services().AddKeyedSingleton<KeyAware>("blue");

        var tenant = Tenant(services).GetRequiredKeyedService<KeyAware>("blue");
        var host = Microsoft(services).GetRequiredKeyedService<KeyAware>("blue");

        Assert.Equal(("cache", "blue"), (tenant.Chosen, tenant.Key));
        Assert.Equal(("cache", "blue"), (host.Chosen, host.Key));
        Assert.Contains("Host singleton 'KeyAware' (key 'blue') depends on 'IMemoryCache'", Check(services), StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceKeyParameter_OfAnUnkeyedSingleton_IsAnOrdinaryParameterForAll()
    {
        // Regression: the tenant container gave such a parameter null, so it called the longer constructor (here it
        // refused both as ambiguous) where Microsoft's provider, which builds the host's singletons, looks the
        // parameter up as a service of its type and calls the shorter one.
        var services = Services().AddSingleton<Unkeyed>();

        Assert.Equal("clock", Tenant(services).GetRequiredService<Unkeyed>().Chosen);
        Assert.Equal("clock", Microsoft(services).GetRequiredService<Unkeyed>().Chosen);
        Assert.Null(Check(services));
    }

    private static IServiceCollection Services() => new ServiceCollection().AddMemoryCache().AddSingleton<IClock, Clock>();

    private static ContainerScope Tenant(IServiceCollection services)
    {
        var descriptors = services.ToArray();
        return new ContainerScope(new ContainerPlan(descriptors, descriptors.Length, validateScopes: false), []);
    }

    private static ServiceProvider Microsoft(IServiceCollection services) => services.BuildServiceProvider();

    private static string? Check(IServiceCollection services)
    {
        // As the runtime's container factory sets it up: the memory cache is every tenant's own.
        var configuration = new TenantServicesConfiguration(services);
        configuration.IsolatedServices.Add(typeof(IMemoryCache));
        return HostSingletonCheck.Run(configuration);
    }

    public interface IClock;

    public interface IOther;

    public interface IMissing;

    public sealed class Clock : IClock;

    public sealed class Other : IOther;

    public sealed class EqualLengths
    {
        public EqualLengths(IMissing missing, IClock clock) => Chosen = "missing";

        public EqualLengths(IMemoryCache cache, IClock clock) => Chosen = "cache";

        public string Chosen { get; }
    }

    public sealed class Ambiguous
    {
        public Ambiguous(IMemoryCache cache, IClock clock) => Chosen = "cache";

        public Ambiguous(IClock clock, IOther other) => Chosen = "other";

        public string Chosen { get; }
    }

    public sealed class WithDefault
    {
        public WithDefault(IClock clock) => Chosen = "clock";

        public WithDefault(IClock clock, IMemoryCache cache, int retries = 3) => Chosen = "cache";

        public string Chosen { get; }
    }

    public sealed class KeyAware
    {
        public KeyAware(IMemoryCache cache) => Chosen = "short";

        public KeyAware(IMemoryCache cache, [ServiceKey] string? key)
        {
            Chosen = "cache";
            Key = key;
        }

        public string Chosen { get; }

        public string? Key { get; }
    }

    public sealed class Unkeyed
    {
        public Unkeyed(IClock clock) => Chosen = "clock";

        public Unkeyed(IMemoryCache cache, [ServiceKey] string? key) => Chosen = "cache";

        public string Chosen { get; }
    }
}
