using TenantKit.Tests.Support;

namespace TenantKit.Tests.Catalog;

public class TenantQueryTests
{
    [Fact]
    public void Defaults_FirstHundredOfAllTenants()
    {
        var query = new TenantQuery();

        Assert.Equal(0, query.Skip);
        Assert.Equal(100, query.Take);
        Assert.True(query.Matches(TestTenants.Create("acme", state: TenantState.Suspended, owner: "o", region: "eu")));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Skip_Negative_Throws(int skip)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TenantQuery { Skip = skip });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(TenantQuery.MaxTake + 1)]
    public void Take_OutOfRange_Throws(int take)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TenantQuery { Take = take });
    }

    [Fact]
    public void Matches_EveryFilter_MustHold()
    {
        var tenant = TestTenants.Create("acme-prod", name: "Acme Production", owner: "acme-inc", region: "eu");
        var query = new TenantQuery { State = TenantState.Active, Owner = "acme-inc", Region = "EU", Search = "PRODUCTION" };

        Assert.True(query.Matches(tenant));
        Assert.False((query with { State = TenantState.Suspended }).Matches(tenant));
        Assert.False((query with { Owner = "ACME-INC" }).Matches(tenant));
        Assert.False((query with { Region = "us" }).Matches(tenant));
        Assert.False((query with { Search = "qa" }).Matches(tenant));
        Assert.True((query with { Search = "ME-PR" }).Matches(tenant));
    }

    [Fact]
    public void Matches_OwnerFilter_ExcludesTenantsWithoutOwner()
    {
        Assert.False(new TenantQuery { Owner = "acme-inc" }.Matches(TestTenants.Create("acme")));
    }
}
