using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using TenantKit.Authentication.Binding;
using TenantKit.Authentication.Diagnostics;

namespace TenantKit.Authentication.OpenIdConnect;

/// <summary>
/// Registered in each tenant's container, after every configuration of the scheme: starts the scheme's trust
/// settings afresh, applies the tenant's, gives the tenant its own state, nonce and correlation cookies, and either
/// binds the options to the tenant or turns the scheme off for it.
/// </summary>
internal sealed class TenantOpenIdConnectSetup(
    TenantInfo tenant, TenantOpenIdConnectOptions declaration, IConfiguration? configuration, IDataProtectionProvider protection, ILogger logger)
    : IPostConfigureOptions<OpenIdConnectOptions>
{
    /// <summary>The purpose every tenant's sign-in state and nonce protector is chained under.</summary>
    public const string Purpose = "TenantKit.Authentication.OpenIdConnect.v1";

    public void PostConfigure(string? name, OpenIdConnectOptions options)
    {
        if (!string.Equals(name ?? Options.DefaultName, declaration.Scheme, StringComparison.Ordinal))
        {
            return;
        }

        var settings = new TenantSchemeSettings(tenant, declaration.PropertyPrefix, declaration.ConfigurationSection, configuration);
        var problems = new List<string>();
        Reset(options);
        Apply(settings, options, problems);
        declaration.Configure?.Invoke(tenant, options);

        var metadataAddress = Backchannels.MetadataAddress(options.Authority, options.MetadataAddress);
        var hasMetadata = metadataAddress is not null || options.Configuration is not null || options.ConfigurationManager is not null;
        if (!hasMetadata && string.IsNullOrEmpty(options.ClientId) && problems.Count == 0)
        {
            Neutralize(options);
            SchemeBinding.Deactivate(options, []);
            return;
        }

        if (!hasMetadata)
        {
            problems.Add($"{OpenIdConnectSettingKeys.Authority} (or {OpenIdConnectSettingKeys.MetadataAddress}) is required.");
        }

        if (string.IsNullOrEmpty(options.ClientId))
        {
            problems.Add($"{OpenIdConnectSettingKeys.ClientId} is required.");
        }

        if (metadataAddress is not null && options.ConfigurationManager is null && options.Configuration is null
            && options.RequireHttpsMetadata && !metadataAddress.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{OpenIdConnectSettingKeys.Authority} and {OpenIdConnectSettingKeys.MetadataAddress} must use HTTPS unless {OpenIdConnectSettingKeys.RequireHttpsMetadata} is false.");
        }

        if (problems.Count > 0)
        {
            AuthenticationLog.InvalidSettings(logger, tenant.Id, declaration.Scheme, settings.Source, string.Join(" ", problems));
            Neutralize(options);
            SchemeBinding.Deactivate(options, problems);
            return;
        }

        if (string.IsNullOrEmpty(options.TokenValidationParameters.ValidAudience) && options.TokenValidationParameters.ValidAudiences?.Any() != true)
        {
            options.TokenValidationParameters.ValidAudience = options.ClientId;
        }

        if (options.ConfigurationManager is null)
        {
            if (options.Configuration is not null)
            {
                options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(options.Configuration);
            }
            else
            {
                options.MetadataAddress = metadataAddress;
                options.Backchannel ??= Backchannels.Client(options.BackchannelHttpHandler, options.BackchannelTimeout, "TenantKit OpenID Connect handler");
                options.ConfigurationManager = Backchannels.Manager(
                    metadataAddress!, options.Backchannel, options.RequireHttpsMetadata, options.RefreshInterval, options.AutomaticRefreshInterval);
            }
        }

        BindToTenant(options, name ?? Options.DefaultName);
        TokenValidationShape.Bind(options.TokenValidationParameters, options.TimeProvider ?? TimeProvider.System);
        SchemeBinding.Activate(options, tenant);
    }

    /// <summary>Forgets every trust setting the application or the framework gave the scheme.</summary>
    internal static void Reset(OpenIdConnectOptions options)
    {
        options.Authority = null;
        options.MetadataAddress = null;
        options.ClientId = null;
        options.ClientSecret = null;
        options.Configuration = null;
        options.ConfigurationManager = null;
        options.RequireHttpsMetadata = true;
        options.ResponseType = OpenIdConnectResponseType.Code;
        options.Scope.Clear();
        options.Scope.Add(OpenIdConnectScope.OpenId);
        options.Scope.Add("profile");
        options.TokenValidationParameters = TokenValidationShape.Fresh(options.TokenValidationParameters);
    }

    /// <summary>
    /// Leaves options that pass the framework's validation (so building them never throws) but reach no provider: the
    /// handler refuses every challenge and callback for them.
    /// </summary>
    internal static void Neutralize(OpenIdConnectOptions options)
    {
        Reset(options);
        options.ClientId = "tenantkit-not-configured";
        options.Configuration = new OpenIdConnectConfiguration();
        options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(options.Configuration);
        if (!options.CallbackPath.HasValue)
        {
            options.CallbackPath = new PathString("/signin-oidc");
        }
    }

    private static void Apply(TenantSchemeSettings settings, OpenIdConnectOptions options, List<string> problems)
    {
        options.Authority = settings.GetAbsoluteUri(OpenIdConnectSettingKeys.Authority, problems);
        options.MetadataAddress = settings.GetAbsoluteUri(OpenIdConnectSettingKeys.MetadataAddress, problems);
        options.RequireHttpsMetadata = settings.GetBoolean(OpenIdConnectSettingKeys.RequireHttpsMetadata, problems) ?? true;
        options.ClientId = settings.Get(OpenIdConnectSettingKeys.ClientId);
        options.ClientSecret = settings.Get(OpenIdConnectSettingKeys.ClientSecret);
        if (settings.GetPath(OpenIdConnectSettingKeys.CallbackPath, problems) is { } callback)
        {
            options.CallbackPath = callback;
        }

        if (settings.GetPath(OpenIdConnectSettingKeys.SignedOutCallbackPath, problems) is { } signedOut)
        {
            options.SignedOutCallbackPath = signedOut;
        }

        if (settings.Get(OpenIdConnectSettingKeys.ResponseType) is { } responseType)
        {
            options.ResponseType = responseType;
        }

        var scopes = settings.GetList(OpenIdConnectSettingKeys.Scopes);
        if (scopes.Length > 0)
        {
            options.Scope.Clear();
            options.Scope.Add(OpenIdConnectScope.OpenId);
            foreach (var scope in scopes)
            {
                options.Scope.Add(scope);
            }
        }
    }

    /// <summary>
    /// Protects the state and the nonce with the tenant's own protector and stamps the state with the tenant, and names
    /// the correlation and nonce cookies after the tenant: a sign-in started at one tenant cannot be completed at another,
    /// and tenants sharing a domain never overwrite each other's cookies.
    /// </summary>
    private void BindToTenant(OpenIdConnectOptions options, string scheme)
    {
        var protector = protection.CreateProtector(Purpose, tenant.Id, scheme);
        options.DataProtectionProvider = protector;
        options.StateDataFormat = new TenantStateDataFormat(new PropertiesDataFormat(protector.CreateProtector("state")), tenant.Id);
        options.StringDataFormat = new SecureDataFormat<string>(Utf8StringSerializer.Instance, protector.CreateProtector("nonce"));
        options.CorrelationCookie.Name = Suffixed(options.CorrelationCookie.Name, ".AspNetCore.Correlation.");
        options.NonceCookie.Name = Suffixed(options.NonceCookie.Name, OpenIdConnectDefaults.CookieNoncePrefix);
    }

    private string Suffixed(string? prefix, string fallback)
    {
        var name = string.IsNullOrEmpty(prefix) ? fallback : prefix;
        var suffix = tenant.Id + ".";
        return name.EndsWith(suffix, StringComparison.Ordinal) ? name : name + suffix;
    }
}
