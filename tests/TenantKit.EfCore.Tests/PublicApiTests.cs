using PublicApiGenerator;
using Snapshooter.Xunit;

namespace TenantKit.EfCore.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheSnapshot()
    {
        var api = typeof(ITenantOwned).Assembly.GeneratePublicApi(new ApiGeneratorOptions { AllowNamespacePrefixes = ["Microsoft.EntityFrameworkCore", "Microsoft.Extensions.DependencyInjection"], ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"] });

        Snapshot.Match(api);
    }
}
