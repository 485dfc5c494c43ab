using PublicApiGenerator;
using Snapshooter.Xunit;

namespace TenantKit.Yarp.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheSnapshot()
    {
        var api = typeof(TenantAffinityOptions).Assembly.GeneratePublicApi(new ApiGeneratorOptions { AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection", "Microsoft.AspNetCore.Builder"], ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"] });

        Snapshot.Match(api);
    }
}
