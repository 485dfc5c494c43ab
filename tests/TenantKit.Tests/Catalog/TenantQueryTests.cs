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
        TenantQuery Query(TenantState state = TenantState.Active, string owner = "acme-inc", string region = "EU", string search = "PRODUCTION")
            => new() { State = state, Owner = owner, Region = region, Search = search };

        Assert.True(Query().Matches(tenant));
        Assert.False(Query(state: TenantState.Suspended).Matches(tenant));
        Assert.False(Query(owner: "ACME-INC").Matches(tenant));
        Assert.False(Query(region: "us").Matches(tenant));
        Assert.False(Query(search: "qa").Matches(tenant));
        Assert.True(Query(search: "ME-PR").Matches(tenant));
    }

    [Fact]
    public void Matches_OwnerFilter_ExcludesTenantsWithoutOwner()
    {
        Assert.False(new TenantQuery { Owner = "acme-inc" }.Matches(TestTenants.Create("acme")));
    }
}
