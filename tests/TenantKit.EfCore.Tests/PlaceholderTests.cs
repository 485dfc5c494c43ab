namespace TenantKit.EfCore.Tests;

public class AssemblyTests
{
    [Fact]
    public void AdapterAssembly_References_Core()
    {
        var references = typeof(TenantKit.EfCore.TenantKitEfCore).Assembly.GetReferencedAssemblies().Select(a => a.Name);
        Assert.Contains("TenantKit", references);
    }
}
