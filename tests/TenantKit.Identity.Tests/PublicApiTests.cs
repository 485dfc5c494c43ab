using PublicApiGenerator;
using Snapshooter.Xunit;

namespace TenantKit.Identity.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheSnapshot()
    {
        var api = typeof(TenantIdentityOptions).Assembly.GeneratePublicApi(new ApiGeneratorOptions { AllowNamespacePrefixes = ["Microsoft.EntityFrameworkCore", "Microsoft.Extensions.DependencyInjection", "Microsoft.AspNetCore.Builder"], ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"] });

        Snapshot.Match(api);
    }
}
