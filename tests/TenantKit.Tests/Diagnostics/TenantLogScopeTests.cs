using TenantKit.Tests.Support;

namespace TenantKit.Tests.Diagnostics;

public class TenantLogScopeTests
{
    [Fact]
    public void Scope_CarriesTenantIdAndIdentifierAsProperties()
    {
        var scope = new TenantLogScope(TestTenants.Create("acme", id: "t-1"));

        Assert.Equal(2, scope.Count);
        Assert.Equal(
            [new("TenantId", "t-1"), new("TenantIdentifier", "acme")],
            scope.ToList());
        Assert.Equal("TenantId:t-1 TenantIdentifier:acme", scope.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => scope[2]);
        Assert.Throws<ArgumentNullException>(() => new TenantLogScope(null!));
    }
}
