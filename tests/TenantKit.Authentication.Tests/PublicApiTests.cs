using PublicApiGenerator;
using Snapshooter.Xunit;

namespace TenantKit.Authentication.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheSnapshot()
    {
        var api = typeof(TenantJwtBearerOptions).Assembly.GeneratePublicApi(new ApiGeneratorOptions { AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"], ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"] });

        Snapshot.Match(api);
    }

    [Fact]
    public void Package_TalksToTheAdaptersThroughTheirPublicApi()
    {
        var references = typeof(TenantJwtBearerOptions).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("TenantKit", references);
        Assert.Contains("TenantKit.AspNetCore", references);
        Assert.DoesNotContain(references, name => name!.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }
}
