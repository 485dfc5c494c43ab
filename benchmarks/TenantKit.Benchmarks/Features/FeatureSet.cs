using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Benchmarks.Features;

/// <summary>Declares benchmark features: each registers a singleton, a scoped service and an options configuration.</summary>
internal static class FeatureSet
{
    public static string Id(int i) => $"f{i:00}";

    public static void Declare(TenantKitBuilder tenants, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var n = i;
            tenants.AddFeature(Id(i), f => f
                .ConfigureServices(s => s
                    .AddKeyedSingleton<FeatureSingleton>(n)
                    .AddKeyedScoped<FeatureScoped>(n))
                .ConfigureOptions<FeatureOptions>((_, o) => o.Count++));
        }
    }

    public sealed class FeatureSingleton;

    public sealed class FeatureScoped;

    public sealed class FeatureOptions
    {
        public int Count { get; set; }
    }
}
