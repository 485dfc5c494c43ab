using Microsoft.Extensions.Options;

namespace TenantKit.Identity.Hosting;

/// <summary>Validates <see cref="TenantIdentityOptions"/> at start-up.</summary>
internal sealed class TenantIdentityOptionsValidator : IValidateOptions<TenantIdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, TenantIdentityOptions options)
    {
        var role = options.AdministratorRole;
        return string.IsNullOrWhiteSpace(role) || role.Length > 256
            ? ValidateOptionsResult.Fail("TenantIdentityOptions.AdministratorRole must be a role name of 1 to 256 characters.")
            : ValidateOptionsResult.Success;
    }
}
