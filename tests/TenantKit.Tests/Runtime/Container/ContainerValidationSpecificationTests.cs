using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Specification;
using TenantKit.Runtime.Container;

namespace TenantKit.Tests.Runtime.Container;

/// <summary>
/// The specification suite as Microsoft runs it against its own provider with options
/// (<c>ServiceProviderDefaultContainerTestsWithOptions</c>): every registration planned when the container is built
/// (<c>ValidateOnBuild</c>), and, where a test registers what cannot be built on purpose, the same container without
/// that validation.
/// </summary>
public sealed class ContainerValidateOnBuildSpecificationTests : DependencyInjectionSpecificationTests
{
    protected override IServiceProvider CreateServiceProvider(IServiceCollection serviceCollection)
        => ValidatingContainer.Build(serviceCollection, validateScopes: false, shared: true);
}

/// <summary>The keyed services suite with every registration planned when the container is built.</summary>
public sealed class ContainerValidateOnBuildKeyedSpecificationTests : KeyedDependencyInjectionSpecificationTests
{
    protected override IServiceProvider CreateServiceProvider(IServiceCollection collection)
        => ValidatingContainer.Build(collection, validateScopes: false, shared: true);
}

/// <summary>
/// With scope validation on (what <see cref="TenantRuntimeOptions.ValidateScopes"/> turns on: scopes checked, and
/// every registration planned when the container is built), each test of both specification suites has the outcome it
/// has on Microsoft's provider with <c>ValidateScopes</c> and <c>ValidateOnBuild</c>: it passes where that passes, and
/// fails with the same exception where that fails. A few fail on both by design, because the test itself resolves a
/// scoped service from the root or registers a graph that cannot be built; Microsoft does not run the suites with
/// scope validation for that reason, so they are compared here rather than run as a suite.
/// </summary>
public sealed class ContainerScopeValidationSpecificationTests
{
    /// <summary>What fails on Microsoft's provider with both validations, and why.</summary>
    private static readonly string[] FailingByDesign =
    [
        // These resolve a scoped service (or a service that needs one) from the root provider.
        "DependencyInjectionSpecificationTests.DisposesInReverseOrderOfCreation",
        "DependencyInjectionSpecificationTests.FactoryServicesAreCreatedAsPartOfCreatingObjectGraph",
        "DependencyInjectionSpecificationTests.ScopedServiceCanBeResolved",

        // These register a service that cannot be built, and check how resolving it fails.
        "DependencyInjectionSpecificationTests.ClosedGenericsWithIsService",
        "DependencyInjectionSpecificationTests.UnRegisteredServiceAsConstructorParameterThrowsException#0",
        "DependencyInjectionSpecificationTests.UnRegisteredServiceAsConstructorParameterThrowsException#1",
        "KeyedDependencyInjectionSpecificationTests.ClosedGenericsWithIsKeyedService",
        "KeyedDependencyInjectionSpecificationTests.ResolveKeyedServiceWithFromServiceKeyAttribute_NotFound",
        "KeyedDependencyInjectionSpecificationTests.ResolveKeyedServiceWithFromServiceKeyAttribute_NotFound_WithUnkeyed",
        "KeyedDependencyInjectionSpecificationTests.ResolveKeyedServiceWithKeyedParameter_MissingRegistrationButWithUnkeyedService",
        "KeyedDependencyInjectionSpecificationTests.ResolveKeyedServiceWithKeyedParameter_MissingRegistration_FirstParameter",
        "KeyedDependencyInjectionSpecificationTests.ResolveKeyedServiceWithKeyedParameter_MissingRegistration_SecondParameter",
    ];

    [Fact]
    public void SpecificationSuites_OnMicrosoftsProviderWithScopeValidation_FailOnlyWhereTheTestsThemselvesBreakTheRules()
    {
        var microsoft = SpecificationRun.Outcomes(typeof(MicrosoftValidated)).Concat(SpecificationRun.Outcomes(typeof(MicrosoftValidatedKeyed)));

        Assert.Equal(FailingByDesign.Order(), microsoft.Where(o => o.Value is not null).Select(o => o.Key).Order());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SpecificationSuites_WithScopeValidation_HaveMicrosoftsOutcomeForEveryTest(bool shared)
    {
        var expected = SpecificationRun.Outcomes(typeof(MicrosoftValidated)).Concat(SpecificationRun.Outcomes(typeof(MicrosoftValidatedKeyed)))
            .ToDictionary();
        var actual = SpecificationRun.Outcomes(shared ? typeof(TenantValidated) : typeof(TenantValidatedOwnValues))
            .Concat(SpecificationRun.Outcomes(shared ? typeof(TenantValidatedKeyed) : typeof(TenantValidatedOwnValuesKeyed)))
            .ToDictionary();

        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var differences = expected
            .Where(e => e.Value != actual[e.Key])
            .Select(e => $"{e.Key}: Microsoft {e.Value ?? "passes"}; tenant container {actual[e.Key] ?? "passes"}")
            .ToList();
        Assert.Empty(differences);
    }

    private sealed class MicrosoftValidated : DependencyInjectionSpecificationTests
    {
        protected override IServiceProvider CreateServiceProvider(IServiceCollection serviceCollection)
            => serviceCollection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    private sealed class MicrosoftValidatedKeyed : KeyedDependencyInjectionSpecificationTests
    {
        protected override IServiceProvider CreateServiceProvider(IServiceCollection collection)
            => collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    private sealed class TenantValidated : DependencyInjectionSpecificationTests
    {
        protected override IServiceProvider CreateServiceProvider(IServiceCollection serviceCollection)
            => ValidatingContainer.Build(serviceCollection, validateScopes: true, shared: true, fallBack: false);
    }

    private sealed class TenantValidatedKeyed : KeyedDependencyInjectionSpecificationTests
    {
        protected override IServiceProvider CreateServiceProvider(IServiceCollection collection)
            => ValidatingContainer.Build(collection, validateScopes: true, shared: true, fallBack: false);
    }

    private sealed class TenantValidatedOwnValues : DependencyInjectionSpecificationTests
    {
        protected override IServiceProvider CreateServiceProvider(IServiceCollection serviceCollection)
            => ValidatingContainer.Build(serviceCollection, validateScopes: true, shared: false, fallBack: false);
    }

    private sealed class TenantValidatedOwnValuesKeyed : KeyedDependencyInjectionSpecificationTests
    {
        protected override IServiceProvider CreateServiceProvider(IServiceCollection collection)
            => ValidatingContainer.Build(collection, validateScopes: true, shared: false, fallBack: false);
    }
}

/// <summary>A tenant container validated as the runtime validates it (the plan built in full, then scopes checked if asked).</summary>
internal static class ValidatingContainer
{
    public static IServiceProvider Build(IServiceCollection services, bool validateScopes, bool shared, bool fallBack = true)
    {
        var descriptors = services.ToArray();
        var ownStart = shared ? descriptors.Length : 0;
        var plan = new ContainerPlan(descriptors, ownStart, validateScopes);
        try
        {
            plan.Validate();
        }
        catch (AggregateException) when (fallBack)
        {
            // As Microsoft's variant does: a test that registers what cannot be built checks how resolving it fails.
            plan = new ContainerPlan(descriptors, ownStart, validateScopes);
        }

        return new ContainerScope(plan, descriptors[ownStart..]);
    }
}
