using Microsoft.Extensions.Options;

namespace TenantKit.Yarp.Hosting;

/// <summary>Checks <see cref="TenantAffinityOptions"/> at start-up, with one message for every problem found.</summary>
internal sealed class TenantAffinityOptionsValidator : IValidateOptions<TenantAffinityOptions>
{
    public ValidateOptionsResult Validate(string? name, TenantAffinityOptions options)
    {
        var errors = new List<string>();
        if (double.IsNaN(options.LoadBound) || options.LoadBound < 0 || options.LoadBound > 100)
        {
            errors.Add($"{nameof(TenantAffinityOptions.LoadBound)} must be between 0 and 100 (ε of bounded loads); it is {options.LoadBound}.");
        }

        if (options.MinimumLoadBeforeSpill < 1)
        {
            errors.Add($"{nameof(TenantAffinityOptions.MinimumLoadBeforeSpill)} must be at least 1; it is {options.MinimumLoadBeforeSpill}.");
        }

        if (options.FailoverAttempts is < 0 or > 10)
        {
            errors.Add($"{nameof(TenantAffinityOptions.FailoverAttempts)} must be between 0 and 10; it is {options.FailoverAttempts}.");
        }

        if (options.RegionClusters.Count > 0 && options.RegionOf is null)
        {
            errors.Add($"{nameof(TenantAffinityOptions.RegionClusters)} is set but {nameof(TenantAffinityOptions.RegionOf)} is not: set both, or route regions by host name in the proxy's routes.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(string.Join(" ", errors));
    }
}
