namespace TenantKit.AspNetCore.Tests;

public class AssemblyTests
{
    [Fact]
    public void Package_IsNamedAfterItsAssembly()
    {
        Assert.Equal(TenantKit.AspNetCore.TenantKitAspNetCore.PackageName, typeof(TenantKit.AspNetCore.TenantKitAspNetCore).Assembly.GetName().Name);
    }
}
