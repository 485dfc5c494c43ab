namespace TenantKit.EfCore.Tests;

public class AssemblyTests
{
    [Fact]
    public void Package_IsNamedAfterItsAssembly()
    {
        Assert.Equal(typeof(TenantKit.EfCore.TenantKitEfCore).Assembly.GetName().Name, TenantKit.EfCore.TenantKitEfCore.PackageName);
    }
}
