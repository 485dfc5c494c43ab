namespace TenantKit.EfCore.Tests;

public class AssemblyTests
{
    [Fact]
    public void Package_IsNamedAfterItsAssembly()
    {
        Assert.Equal(TenantKit.EfCore.TenantKitEfCore.PackageName, typeof(TenantKit.EfCore.TenantKitEfCore).Assembly.GetName().Name);
    }
}
