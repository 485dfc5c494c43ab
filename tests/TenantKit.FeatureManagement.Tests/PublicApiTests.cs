using PublicApiGenerator;
using Snapshooter.Xunit;

namespace TenantKit.FeatureManagement.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheSnapshot()
    {
        var api = typeof(Microsoft.Extensions.DependencyInjection.TenantFeatureManagementBuilderExtensions).Assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"],
            ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute", "System.Reflection.AssemblyInformationalVersionAttribute"],
        });

        Snapshot.Match(api);
    }
}
