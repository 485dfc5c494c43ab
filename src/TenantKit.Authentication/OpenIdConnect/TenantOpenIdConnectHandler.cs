using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Authentication.Binding;
using TenantKit.Authentication.Diagnostics;

namespace TenantKit.Authentication.OpenIdConnect;

/// <summary>
/// The OpenID Connect handler of a tenant-managed scheme. Resolved from the request's services, so inside a tenant it
/// reads the tenant's options. Where those options do not serve the request's tenant (the host, a tenant without
/// settings), a challenge is refused with a 401 problem document rather than sent to any provider, and the callback,
/// sign-out and remote sign-out paths are not handled.
/// </summary>
internal sealed class TenantOpenIdConnectHandler(IOptionsMonitor<OpenIdConnectOptions> options, ILoggerFactory logger, HtmlEncoder htmlEncoder, UrlEncoder encoder)
    : OpenIdConnectHandler(options, logger, htmlEncoder, encoder)
{
    /// <summary>The problem type of a refused challenge.</summary>
    public const string NotConfiguredProblemType = "https://tenantkit.dev/problems/tenant-authentication-not-configured";

    public override Task<bool> HandleRequestAsync()
        => SchemeBinding.Of(Options).Serves(Context) ? base.HandleRequestAsync() : Task.FromResult(false);

    public override Task SignOutAsync(AuthenticationProperties? properties)
        => SchemeBinding.Of(Options).Serves(Context) ? base.SignOutAsync(properties) : Task.CompletedTask;

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var binding = SchemeBinding.Of(Options);
        if (binding.Serves(Context))
        {
            await base.HandleChallengeAsync(properties).ConfigureAwait(false);
            return;
        }

        if (binding.IsActive)
        {
            AuthenticationLog.CrossTenant(Logger, Scheme.Name, binding.Tenant.Id, Context.GetTenant()?.Id);
        }
        else
        {
            AuthenticationLog.NotConfigured(Logger, Scheme.Name, Context.GetTenant()?.Id);
        }

        Response.Headers.CacheControl = "no-store";
        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            type: NotConfiguredProblemType,
            title: "External sign-in is not available here.",
            detail: "No OpenID Connect provider is configured for this tenant.").ExecuteAsync(Context).ConfigureAwait(false);
    }

    protected override async Task<HandleRequestResult> HandleRemoteAuthenticateAsync()
    {
        var binding = SchemeBinding.Of(Options);
        if (!binding.Serves(Context))
        {
            return HandleRequestResult.Fail("The scheme has no settings for the request's tenant.");
        }

        var result = await base.HandleRemoteAuthenticateAsync().ConfigureAwait(false);
        if (result.Succeeded
            && (result.Properties is null
                || !result.Properties.Items.TryGetValue(SchemeBinding.TenantProperty, out var issuedFor)
                || !string.Equals(issuedFor, binding.Tenant.Id, StringComparison.Ordinal)))
        {
            return HandleRequestResult.Fail("The sign-in was not started at the request's tenant.");
        }

        return result;
    }
}
