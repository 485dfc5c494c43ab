using PublicApiGenerator;
using Snapshooter.Xunit;

namespace TenantKit.Redis.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheSnapshot()
    {
        var api = typeof(RedisChangeFeedOptions).Assembly.GeneratePublicApi(new ApiGeneratorOptions { AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"], ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"] });

        Snapshot.Match(api);
    }
}
