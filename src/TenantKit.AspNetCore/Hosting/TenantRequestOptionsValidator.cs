using Microsoft.Extensions.Options;

namespace TenantKit.AspNetCore.Hosting;

/// <summary>Validates <see cref="TenantRequestOptions"/> at start-up, reporting every problem in one message.</summary>
internal sealed class TenantRequestOptionsValidator : IValidateOptions<TenantRequestOptions>
{
    public ValidateOptionsResult Validate(string? name, TenantRequestOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.NonTenantRequests))
        {
            failures.Add($"TenantRequestOptions.NonTenantRequests '{(int)options.NonTenantRequests}' is not a NonTenantRequestHandling value.");
        }

        if (options.Region is { } region && !TenantIdentifier.IsValid(region))
        {
            failures.Add($"TenantRequestOptions.Region '{region}' is not a valid region name (letters, digits and '-', 1 to 63 characters).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
