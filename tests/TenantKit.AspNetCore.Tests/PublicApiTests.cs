using PublicApiGenerator;
using Snapshooter.Xunit;

namespace TenantKit.AspNetCore.Tests;

public class PublicApiTests
{
    [Fact]
    public void PublicApi_IsTheReviewedOne()
    {
        var api = typeof(TenantProblemTypes).Assembly.GeneratePublicApi(new ApiGeneratorOptions { ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"] });

        Snapshot.Match(api);
    }

    [Fact]
    public void Adapter_ReferencesTheCoreAndNoDataLayer()
    {
        var references = typeof(TenantProblemTypes).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("TenantKit", references);
        Assert.DoesNotContain(references, name => name!.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }
}
