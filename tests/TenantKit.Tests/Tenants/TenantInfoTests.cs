using System.Collections;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Tenants;

public class TenantInfoTests
{
    private static readonly DateTimeOffset Created = TestTenants.Epoch;

    [Fact]
    public void Constructor_ValidFields_KeepsEveryFieldAndNormalisesIdentifierAndRegion()
    {
        var properties = new Dictionary<string, string> { ["Plan"] = "gold", ["Branding:Color"] = "red" };
        var updated = Created.AddHours(1);

        var tenant = new TenantInfo("t-1", "ACME", "Acme Corp", TenantState.Suspended, "EU-West", "customer-7", properties, 3, Created, updated);

        Assert.Equal("t-1", tenant.Id);
        Assert.Equal("acme", tenant.Identifier);
        Assert.Equal("Acme Corp", tenant.Name);
        Assert.Equal(TenantState.Suspended, tenant.State);
        Assert.False(tenant.IsActive);
        Assert.Equal("eu-west", tenant.Region);
        Assert.Equal("customer-7", tenant.Owner);
        Assert.Equal(3, tenant.Version);
        Assert.Equal(Created, tenant.CreatedAt);
        Assert.Equal(updated, tenant.UpdatedAt);
        Assert.Equal("gold", tenant.GetProperty("plan"));
        Assert.Equal("red", tenant.GetProperty("BRANDING:COLOR"));
        Assert.Null(tenant.GetProperty("missing"));
        Assert.Equal("acme (t-1, v3, Suspended)", tenant.ToString());
    }

    [Fact]
    public void Constructor_NoUpdateTime_UsesCreationTime()
    {
        var tenant = new TenantInfo("t-1", "acme", "Acme", createdAt: Created);

        Assert.Equal(Created, tenant.UpdatedAt);
    }

    [Fact]
    public void Constructor_EmptyOptionalFields_AreNullAndPropertiesAreEmpty()
    {
        var tenant = new TenantInfo("t-1", "acme", "Acme", region: "", owner: "", properties: new Dictionary<string, string>());

        Assert.Null(tenant.Region);
        Assert.Null(tenant.Owner);
        Assert.NotNull(tenant.Properties);
        Assert.Empty(tenant.Properties);
        Assert.Empty(new TenantInfo("t-2", "globex", "Globex").Properties);
    }

    [Fact]
    public void Constructor_PropertiesChangedAfterwards_SnapshotIsUnaffected()
    {
        var properties = new Dictionary<string, string> { ["plan"] = "gold" };
        var tenant = new TenantInfo("t-1", "acme", "Acme", properties: properties);

        properties["plan"] = "free";
        properties["extra"] = "x";

        Assert.Equal("gold", tenant.GetProperty("plan"));
        Assert.Single(tenant.Properties);
    }

    [Fact]
    public void Constructor_EveryFieldInvalid_ListsEveryFieldInOneException()
    {
        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo(
            "bad id!",
            "-acme-",
            "",
            (TenantState)7,
            "eu west",
            new string('o', 129),
            new Dictionary<string, string> { [" "] = "x" },
            version: 0));

        Assert.Equal(
            new[] { "id", "identifier", "name", "owner", "properties", "region", "state", "version" },
            ex.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(ex.Errors.Values, messages => Assert.Single(messages));
        Assert.Equal("tenant-validation", ex.ErrorCode);
        foreach (var field in ex.Errors.Keys)
        {
            Assert.Contains(field + ": ", ex.Message, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string?> InvalidIds() => new()
    {
        null, "", new string('i', TenantInfo.MaxIdLength + 1), "a b", "a/b", "a:b", "é", "a\0", "<id>",
    };

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public void Constructor_InvalidId_ReportsOnlyTheIdField(string? id)
    {
        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo(id!, "acme", "Acme"));

        Assert.Equal(["id"], ex.Errors.Keys);
        Assert.DoesNotContain(ex.Message, c => char.IsControl(c));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("A-b_c.9")]
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950e")]
    public void Constructor_ValidId_IsKeptAsGiven(string id)
    {
        Assert.Equal(id, new TenantInfo(id, "acme", "Acme").Id);
        Assert.Equal(TenantInfo.MaxIdLength, new TenantInfo(new string('i', TenantInfo.MaxIdLength), "acme", "Acme").Id.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-acme")]
    [InlineData("acme.com")]
    [InlineData("a_b")]
    public void Constructor_InvalidIdentifier_ReportsTheIdentifierField(string identifier)
    {
        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", identifier, "Acme"));

        Assert.Equal(["identifier"], ex.Errors.Keys);
        Assert.Contains("is not a valid tenant identifier", ex.Errors["identifier"][0], StringComparison.Ordinal);
    }

    public static TheoryData<string?> InvalidNames() => new()
    {
        null, "", "   ", new string('n', TenantInfo.MaxNameLength + 1), "Acme\nCorp", "Acme\u0007",
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Constructor_InvalidName_ReportsTheNameField(string? name)
    {
        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", "acme", name!));

        Assert.Equal(["name"], ex.Errors.Keys);
    }

    [Fact]
    public void Constructor_NameAtMaximumLengthWithUnicode_IsAccepted()
    {
        var name = "Ünïcødé " + new string('n', TenantInfo.MaxNameLength - 8);

        Assert.Equal(name, new TenantInfo("t-1", "acme", name).Name);
    }

    [Theory]
    [InlineData("eu west")]
    [InlineData("eu.west")]
    [InlineData("-eu")]
    [InlineData("eu/west")]
    [InlineData("région")]
    public void Constructor_InvalidRegion_ReportsTheRegionField(string region)
    {
        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", "acme", "Acme", region: region));

        Assert.Equal(["region"], ex.Errors.Keys);
    }

    [Fact]
    public void Constructor_RegionTooLong_ReportsTheRegionField()
    {
        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", "acme", "Acme", region: new string('r', 64)));

        Assert.Equal(["region"], ex.Errors.Keys);
    }

    [Theory]
    [InlineData("   ")]
    [InlineData("owner\tname")]
    [InlineData("owner\r\n")]
    public void Constructor_InvalidOwner_ReportsTheOwnerField(string owner)
    {
        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", "acme", "Acme", owner: owner));

        Assert.Equal(["owner"], ex.Errors.Keys);
    }

    [Fact]
    public void Constructor_OwnerTooLong_ReportsTheOwnerField()
    {
        Assert.Equal("o", new TenantInfo("t-1", "acme", "Acme", owner: "o").Owner);
        Assert.NotNull(new TenantInfo("t-1", "acme", "Acme", owner: new string('o', 128)).Owner);

        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", "acme", "Acme", owner: new string('o', 129)));

        Assert.Equal(["owner"], ex.Errors.Keys);
    }

    [Fact]
    public void Constructor_TooManyProperties_ReportsTheLimit()
    {
        var properties = Enumerable.Range(0, TenantInfo.MaxProperties + 1).ToDictionary(i => "key" + i, i => "v");

        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", "acme", "Acme", properties: properties));

        Assert.Equal(["properties"], ex.Errors.Keys);
        Assert.Contains("at most 256", ex.Errors["properties"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MaximumProperties_AreAccepted()
    {
        var properties = Enumerable.Range(0, TenantInfo.MaxProperties).ToDictionary(i => "key" + i, i => new string('v', 8192));

        Assert.Equal(TenantInfo.MaxProperties, new TenantInfo("t-1", "acme", "Acme", properties: properties).Properties.Count);
    }

    [Fact]
    public void Constructor_SeveralBadProperties_ListsEachProblem()
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [""] = "empty key",
            ["bad\nkey"] = "control character",
            [new string('k', 257)] = "long key",
            ["null"] = null!,
            ["long"] = new string('v', 8193),
        };

        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", "acme", "Acme", properties: properties));

        Assert.Equal(["properties"], ex.Errors.Keys);
        Assert.Equal(5, ex.Errors["properties"].Length);
        Assert.Contains(ex.Errors["properties"], m => m.Contains("must not be null", StringComparison.Ordinal));
        Assert.Contains(ex.Errors["properties"], m => m.Contains("at most 8192", StringComparison.Ordinal));
        Assert.DoesNotContain(ex.Message, c => char.IsControl(c));
    }

    [Fact]
    public void Constructor_PropertyKeysDifferingOnlyInCase_AreRefused()
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal) { ["Plan"] = "gold", ["plan"] = "free" };

        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", "acme", "Acme", properties: properties));

        Assert.Contains("appears twice", Assert.Single(ex.Errors["properties"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public void Constructor_VersionBelowOne_ReportsTheVersionField(long version)
    {
        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", "acme", "Acme", version: version));

        Assert.Equal(["version"], ex.Errors.Keys);
    }

    [Fact]
    public void Constructor_UndefinedState_ReportsTheStateField()
    {
        var ex = Assert.Throws<TenantValidationException>(() => new TenantInfo("t-1", "acme", "Acme", (TenantState)(-1)));

        Assert.Equal(["state"], ex.Errors.Keys);
    }

    [Fact]
    public void Properties_EnumerateAsReadOnlyDictionary_WithCaseInsensitiveKeys()
    {
        var tenant = new TenantInfo("t-1", "acme", "Acme", properties: new Dictionary<string, string> { ["Plan"] = "gold" });

        Assert.True(tenant.Properties.ContainsKey("PLAN"));
        Assert.Equal("gold", Assert.Single((IEnumerable)tenant.Properties.Values));
    }

    [Fact]
    public void ValidationException_SingleField_HasThatFieldOnly()
    {
        var ex = new TenantValidationException("name", "is required.");

        Assert.Equal(["name"], ex.Errors.Keys);
        Assert.Equal("The tenant data is invalid. name: is required.", ex.Message);
    }
}
