namespace TenantKit.AspNetCore.Tests;

public class AssemblyTests
{
    [Fact]
    public void Package_IsNamedAfterItsAssembly()
    {
        Assert.Equal(typeof(TenantKit.AspNetCore.TenantKitAspNetCore).Assembly.GetName().Name, TenantKit.AspNetCore.TenantKitAspNetCore.PackageName);
    }
}
