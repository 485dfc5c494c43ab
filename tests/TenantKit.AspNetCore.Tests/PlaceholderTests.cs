namespace TenantKit.AspNetCore.Tests;

public class AssemblyTests
{
    [Fact]
    public void AdapterAssembly_References_Core()
    {
        var references = typeof(TenantKit.AspNetCore.TenantKitAspNetCore).Assembly.GetReferencedAssemblies().Select(a => a.Name);
        Assert.Contains("TenantKit", references);
    }
}
