using Microsoft.Extensions.Options;

namespace TenantKit.Features;

/// <summary>Nothing to configure: the options whose validation at start-up checks the declared features.</summary>
internal sealed class TenantFeatureCheck;

/// <summary>Refuses to start when the declared features are inconsistent (missing dependency, cycle, unknown plan feature).</summary>
internal sealed class TenantFeatureCheckValidator(TenantFeatureRegistry registry) : IValidateOptions<TenantFeatureCheck>
{
    public ValidateOptionsResult Validate(string? name, TenantFeatureCheck options)
        => registry.Validate() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
