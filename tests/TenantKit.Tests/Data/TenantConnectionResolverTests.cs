using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TenantKit.Tests.Data;

public sealed class TenantConnectionResolverTests
{
    private static ServiceProvider Services(Action<TenantDataOptions>? configure = null, IDictionary<string, string?>? configuration = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()).Build());
        services.AddTenantKit(b => b.ConfigureData(o =>
        {
            o.ConnectionString = "shared";
            configure?.Invoke(o);
        }));
        return services.BuildServiceProvider();
    }

    private static TenantInfo Tenant(string id = "t1", params (string Key, string Value)[] properties)
        => new(id, "acme", "Acme", properties: properties.ToDictionary(p => p.Key, p => p.Value));

    private static ITenantConnectionResolver Resolver(ServiceProvider services) => services.GetRequiredService<ITenantConnectionResolver>();

    [Fact]
    public void Resolve_TenantWithNoDataProperties_UsesSharedTablesInTheSharedDatabase()
    {
        using var services = Services();

        var location = Resolver(services).Resolve(Tenant());

        Assert.Equal(TenantIsolationModel.SharedTables, location.Isolation);
        Assert.Equal("shared", location.ConnectionString);
        Assert.Null(location.Schema);
        Assert.Equal("t1", location.TenantId);
    }

    [Fact]
    public void Resolve_SchemaPerTenant_NamesTheSchemaFromTheEscapedId()
    {
        using var services = Services();

        var location = Resolver(services).Resolve(Tenant("a-b.c_d", (TenantDataOptions.IsolationProperty, "schemapertenant")));

        Assert.Equal(TenantIsolationModel.SchemaPerTenant, location.Isolation);
        Assert.Equal("tenant_a_0b_1c__d", location.Schema);
        Assert.Equal("shared", location.ConnectionString);
    }

    [Fact]
    public void Resolve_SchemaPerTenant_NeverGivesTwoIdsOneSchema()
    {
        using var services = Services(o => o.DefaultIsolation = TenantIsolationModel.SchemaPerTenant);
        string[] ids = ["a-b", "a_0b", "a_b", "a__b", "a.b", "a_1b", "a0b", "A-b", "a-B"];

        var schemas = ids.Select(id => Resolver(services).Resolve(Tenant(id)).Schema).ToList();

        Assert.Equal(ids.Length, schemas.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Resolve_ExplicitSchema_IsUsed()
    {
        using var services = Services();

        var location = Resolver(services).Resolve(Tenant("t1", (TenantDataOptions.IsolationProperty, "SchemaPerTenant"), (TenantDataOptions.SchemaProperty, "acme_data")));

        Assert.Equal("acme_data", location.Schema);
    }

    [Theory]
    [InlineData("acme; DROP TABLE x")]
    [InlineData("1acme")]
    [InlineData("\"acme\"")]
    [InlineData("")]
    public void Resolve_InvalidSchema_ThrowsValidation(string schema)
    {
        using var services = Services();

        var error = Assert.Throws<TenantValidationException>(() => Resolver(services).Resolve(Tenant("t1", (TenantDataOptions.IsolationProperty, "SchemaPerTenant"), (TenantDataOptions.SchemaProperty, schema))));

        Assert.Contains($"properties.{TenantDataOptions.SchemaProperty}", error.Errors.Keys);
    }

    [Fact]
    public void Resolve_SchemaTooLongFromTheTemplate_ThrowsValidation()
    {
        using var services = Services(o => o.DefaultIsolation = TenantIsolationModel.SchemaPerTenant);

        Assert.Throws<TenantValidationException>(() => Resolver(services).Resolve(Tenant(new string('-', 40))));
    }

    [Theory]
    [InlineData("7")]
    [InlineData(" 1")]
    [InlineData("Shared")]
    [InlineData("Everything")]
    public void Resolve_UnknownIsolation_ThrowsValidation(string isolation)
    {
        using var services = Services();

        var error = Assert.Throws<TenantValidationException>(() => Resolver(services).Resolve(Tenant("t1", (TenantDataOptions.IsolationProperty, isolation))));

        Assert.Contains($"properties.{TenantDataOptions.IsolationProperty}", error.Errors.Keys);
    }

    [Fact]
    public void Resolve_DatabasePerTenant_UsesTheTenantsOwnConnectionString()
    {
        using var services = Services();

        var location = Resolver(services).Resolve(Tenant("t1", (TenantDataOptions.IsolationProperty, "DatabasePerTenant"), (TenantDataOptions.ConnectionStringProperty, "own")));

        Assert.Equal(TenantIsolationModel.DatabasePerTenant, location.Isolation);
        Assert.Equal("own", location.ConnectionString);
    }

    [Fact]
    public void Resolve_DatabasePerTenant_ReadsANamedConnectionStringFromConfiguration()
    {
        using var services = Services(configuration: new Dictionary<string, string?> { ["ConnectionStrings:acme"] = "named" });

        var location = Resolver(services).Resolve(Tenant("t1", (TenantDataOptions.IsolationProperty, "DatabasePerTenant"), (TenantDataOptions.ConnectionStringNameProperty, "acme")));

        Assert.Equal("named", location.ConnectionString);
    }

    [Fact]
    public void Resolve_DatabasePerTenant_FallsBackToTheTemplate()
    {
        using var services = Services(o => o.ConnectionStringTemplate = "Data Source={id}.db");

        var location = Resolver(services).Resolve(Tenant("t1", (TenantDataOptions.IsolationProperty, "DatabasePerTenant")));

        Assert.Equal("Data Source=t1.db", location.ConnectionString);
    }

    [Fact]
    public void Resolve_DatabasePerTenantWithNoConnectionString_ThrowsValidation()
    {
        using var services = Services();

        Assert.Throws<TenantValidationException>(() => Resolver(services).Resolve(Tenant("t1", (TenantDataOptions.IsolationProperty, "DatabasePerTenant"))));
        Assert.Throws<TenantValidationException>(() => Resolver(services).Resolve(Tenant("t1", (TenantDataOptions.IsolationProperty, "DatabasePerTenant"), (TenantDataOptions.ConnectionStringNameProperty, "missing"))));
    }

    [Fact]
    public void Resolve_SameSnapshot_ReturnsTheSameLocation()
    {
        using var services = Services();
        var tenant = Tenant();

        Assert.Same(Resolver(services).Resolve(tenant), Resolver(services).Resolve(tenant));
    }

    [Fact]
    public void ResolveCurrent_WithNoTenantAndNoHostScope_ThrowsTenantNotSet()
    {
        using var services = Services();

        Assert.Throws<TenantNotSetException>(() => Resolver(services).ResolveCurrent());
    }

    [Fact]
    public void ResolveCurrent_InHostScopeAndInTenantScope_ReturnsTheHostsAndTheTenantsLocation()
    {
        using var services = Services();
        var accessor = services.GetRequiredService<ITenantContextAccessor>();
        var tenant = Tenant();

        using (accessor.BeginHostScope())
        {
            Assert.True(Resolver(services).ResolveCurrent().IsHost);
        }

        using (accessor.BeginTenantScope(tenant))
        {
            Assert.Same(tenant, Resolver(services).ResolveCurrent().Tenant);
        }
    }

    [Fact]
    public void Location_ToString_NeverShowsTheConnectionString()
    {
        using var services = Services();

        var text = Resolver(services).Resolve(Tenant("t1", (TenantDataOptions.IsolationProperty, "DatabasePerTenant"), (TenantDataOptions.ConnectionStringProperty, "Password=secret"))).ToString();

        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tenant", null)]
    [InlineData("1_{id}", null)]
    [InlineData("tenant_{id}", "Data Source=x.db")]
    public void Options_WithATemplateThatCannotSeparateTenants_FailValidation(string schemaTemplate, string? connectionTemplate)
    {
        using var services = Services(o =>
        {
            o.SchemaTemplate = schemaTemplate;
            o.ConnectionStringTemplate = connectionTemplate;
        });

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TenantDataOptions>>().Value);
    }
}
