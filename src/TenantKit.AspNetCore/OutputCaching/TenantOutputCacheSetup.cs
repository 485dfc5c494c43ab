using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;

namespace TenantKit.AspNetCore.OutputCaching;

/// <summary>
/// Adds <see cref="TenantOutputCachePolicy"/> to the output cache's base policies, so every cached response of an
/// application using TenantKit varies by tenant without anyone having to remember it.
/// </summary>
internal sealed class TenantOutputCacheSetup : IPostConfigureOptions<OutputCacheOptions>
{
    public void PostConfigure(string? name, OutputCacheOptions options) => options.AddBasePolicy(TenantOutputCachePolicy.Instance);
}
