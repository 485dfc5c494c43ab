using Microsoft.Extensions.DependencyInjection;
using TenantKit.Runtime.Container;

namespace TenantKit.Tests.Runtime.Container;

/// <summary>
/// Scope validation beyond the specification suites: in each case the tenant container (validating as the runtime does
/// with <see cref="TenantRuntimeOptions.ValidateScopes"/>) fails or succeeds as Microsoft's provider does with
/// <c>ValidateScopes</c> and <c>ValidateOnBuild</c>, with the same exception.
/// </summary>
public class ScopeValidationTests
{
    private const string NamedDifferently = "singleton capturing a scoped service through a transient";

    public static TheoryData<string> Cases => [.. Scenarios.Keys];

    private static readonly Dictionary<string, (Action<IServiceCollection> Register, Func<IServiceProvider, object?> Resolve)> Scenarios = new()
    {
        ["singleton capturing scoped services through an enumerable"] =
            (s => s.AddScoped<Part>().AddSingleton<AllParts>(), sp => sp.GetService<AllParts>()),
        [NamedDifferently] =
            (s => s.AddScoped<Part>().AddTransient<Wrapper>().AddSingleton<Holder>(), sp => sp.GetService<Holder>()),
        ["singleton capturing a scoped open generic"] =
            (s => s.AddScoped(typeof(Box<>), typeof(Box<>)).AddSingleton<BoxHolder>(), sp => sp.GetService<BoxHolder>()),
        ["transient needing a scoped service, from the root"] =
            (s => s.AddScoped<Part>().AddTransient<Wrapper>(), sp => sp.GetService<Wrapper>()),
        ["transient needing a scoped service, from a scope"] =
            (s => s.AddScoped<Part>().AddTransient<Wrapper>(), sp => sp.CreateScope().ServiceProvider.GetService<Wrapper>()),
        ["enumerable of scoped services, from the root"] =
            (s => s.AddScoped<Part>(), sp => sp.GetService<IEnumerable<Part>>()),
        ["keyed scoped service of an any-key registration, from the root"] =
            (s => s.AddKeyedScoped<Part>(KeyedService.AnyKey), sp => sp.GetKeyedService<Part>("blue")),
        ["singleton factory asking the root for a scoped service"] =
            (s => s.AddScoped<Part>().AddSingleton(p => new Wrapper(p.GetRequiredService<Part>())), sp => sp.CreateScope().ServiceProvider.GetService<Wrapper>()),
        ["scoped service asking for a singleton that needs nothing scoped"] =
            (s => s.AddSingleton<Part>().AddScoped<Wrapper>(), sp => sp.CreateScope().ServiceProvider.GetService<Wrapper>()),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TenantContainer_ValidatingScopes_FailsOrSucceedsAsMicrosoftsProvider(string scenario)
    {
        var (register, resolve) = Scenarios[scenario];
        var services = new ServiceCollection();
        register(services);
        var descriptors = services.ToArray();

        var microsoft = Outcome(() => resolve(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true })));
        var tenant = Outcome(() =>
        {
            var plan = new ContainerPlan(descriptors, descriptors.Length, validateScopes: true);
            plan.Validate();
            return resolve(new ContainerScope(plan, []));
        });

        if (scenario == NamedDifferently)
        {
            // Microsoft's validator names the first service on the path whose check it had cached (here the transient
            // Wrapper, validated before Holder); the tenant container names the scoped service itself.
            Assert.StartsWith("AggregateException: ", microsoft, StringComparison.Ordinal);
            Assert.Contains("Cannot consume scoped service 'Wrapper' from singleton 'Holder'", microsoft.Replace(typeof(ScopeValidationTests).FullName + "+", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Contains("Cannot consume scoped service 'Part' from singleton 'Holder'", tenant.Replace(typeof(ScopeValidationTests).FullName + "+", "", StringComparison.Ordinal), StringComparison.Ordinal);
            return;
        }

        Assert.Equal(microsoft, tenant);
    }

    private static string Outcome(Func<object?> run)
    {
        try
        {
            return run() is null ? "null" : "resolved";
        }
        catch (Exception ex)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }
    }

    public sealed class Part;

    public sealed class Wrapper(Part part)
    {
        public Part Part { get; } = part;
    }

    public sealed class Holder(Wrapper wrapper)
    {
        public Wrapper Wrapper { get; } = wrapper;
    }

    public sealed class AllParts(IEnumerable<Part> parts)
    {
        public IEnumerable<Part> Parts { get; } = parts;
    }

    public sealed class Box<T>;

    public sealed class BoxHolder(Box<Part> box)
    {
        public Box<Part> Box { get; } = box;
    }
}
