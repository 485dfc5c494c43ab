using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using TenantKit.Authentication.Binding;
using TenantKit.Authentication.Diagnostics;

namespace TenantKit.Authentication.JwtBearer;

/// <summary>
/// Registered in each tenant's container, after every configuration of the scheme (the application's and the
/// framework's): starts the scheme's trust settings afresh, applies the tenant's, and either binds the options to the
/// tenant or turns the scheme off for it. It runs once per options instance, which each tenant container builds for
/// itself.
/// </summary>
internal sealed class TenantJwtBearerSetup(TenantInfo tenant, TenantJwtBearerOptions declaration, IConfiguration? configuration, ILogger logger)
    : IPostConfigureOptions<JwtBearerOptions>
{
    public void PostConfigure(string? name, JwtBearerOptions options)
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
        var parameters = options.TokenValidationParameters;
        var hasMetadata = metadataAddress is not null || options.Configuration is not null || options.ConfigurationManager is not null;
        var hasKeys = parameters.IssuerSigningKey is not null || parameters.IssuerSigningKeys?.Any() == true || parameters.IssuerSigningKeyResolver is not null;
        if (!hasMetadata && !hasKeys && problems.Count == 0)
        {
            SchemeBinding.Deactivate(options, []);
            return;
        }

        Check(options, parameters, metadataAddress, hasMetadata, problems);
        if (problems.Count > 0)
        {
            AuthenticationLog.InvalidSettings(logger, tenant.Id, declaration.Scheme, settings.Source, string.Join(" ", problems));
            Neutralize(options);
            SchemeBinding.Deactivate(options, problems);
            return;
        }

        if (string.IsNullOrEmpty(parameters.ValidAudience) && parameters.ValidAudiences?.Any() != true && !string.IsNullOrEmpty(options.Audience))
        {
            parameters.ValidAudience = options.Audience;
        }

        if (options.ConfigurationManager is null)
        {
            if (options.Configuration is not null)
            {
                options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(options.Configuration);
            }
            else if (metadataAddress is not null)
            {
                options.MetadataAddress = metadataAddress;
                options.Backchannel ??= Backchannels.Client(options.BackchannelHttpHandler, options.BackchannelTimeout, "TenantKit JWT bearer handler");
                options.ConfigurationManager = Backchannels.Manager(
                    metadataAddress, options.Backchannel, options.RequireHttpsMetadata, options.RefreshInterval, options.AutomaticRefreshInterval);
            }
        }

        TokenValidationShape.Bind(parameters, options.TimeProvider ?? TimeProvider.System);
        SchemeBinding.Activate(options, tenant);
    }

    /// <summary>Forgets every trust setting the application or the framework gave the scheme.</summary>
    internal static void Reset(JwtBearerOptions options)
    {
        options.Authority = null;
        options.Audience = null;
        options.MetadataAddress = string.Empty;
        options.Configuration = null;
        options.ConfigurationManager = null;
        options.RequireHttpsMetadata = true;
        options.TokenValidationParameters = TokenValidationShape.Fresh(options.TokenValidationParameters);
    }

    /// <summary>Leaves options that can validate nothing: no authority, no metadata, no key.</summary>
    internal static void Neutralize(JwtBearerOptions options) => Reset(options);

    private static void Apply(TenantSchemeSettings settings, JwtBearerOptions options, List<string> problems)
    {
        options.Authority = settings.GetAbsoluteUri(JwtBearerSettingKeys.Authority, problems);
        options.MetadataAddress = settings.GetAbsoluteUri(JwtBearerSettingKeys.MetadataAddress, problems) ?? string.Empty;
        options.RequireHttpsMetadata = settings.GetBoolean(JwtBearerSettingKeys.RequireHttpsMetadata, problems) ?? true;
        var audiences = settings.GetList(JwtBearerSettingKeys.Audience);
        if (audiences.Length == 1)
        {
            options.Audience = audiences[0];
        }
        else if (audiences.Length > 1)
        {
            options.TokenValidationParameters.ValidAudiences = audiences;
        }

        if (settings.Get(JwtBearerSettingKeys.Issuer) is { } issuer)
        {
            options.TokenValidationParameters.ValidIssuer = issuer;
        }

        if (settings.Get(JwtBearerSettingKeys.SigningKeys) is { } jwks)
        {
            try
            {
                var keys = new JsonWebKeySet(jwks).GetSigningKeys();
                if (keys.Count == 0)
                {
                    problems.Add($"{JwtBearerSettingKeys.SigningKeys} holds no usable signing key.");
                }

                options.TokenValidationParameters.IssuerSigningKeys = keys;
            }
            catch (ArgumentException)
            {
                problems.Add($"{JwtBearerSettingKeys.SigningKeys} must be a JSON Web Key Set ({{\"keys\":[...]}}).");
            }
        }
    }

    private static void Check(JwtBearerOptions options, TokenValidationParameters parameters, string? metadataAddress, bool hasMetadata, List<string> problems)
    {
        var hasAudience = !string.IsNullOrEmpty(options.Audience) || !string.IsNullOrEmpty(parameters.ValidAudience)
            || parameters.ValidAudiences?.Any() == true || parameters.AudienceValidator is not null;
        if (!hasAudience)
        {
            problems.Add($"{JwtBearerSettingKeys.Audience} is required: a token must name the tenant's API.");
        }

        var hasIssuer = !string.IsNullOrEmpty(parameters.ValidIssuer) || parameters.ValidIssuers?.Any() == true
            || parameters.IssuerValidator is not null || hasMetadata;
        if (!hasIssuer)
        {
            problems.Add($"{JwtBearerSettingKeys.Issuer} is required when there is no {JwtBearerSettingKeys.Authority} or {JwtBearerSettingKeys.MetadataAddress}.");
        }

        if (metadataAddress is not null && options.ConfigurationManager is null && options.Configuration is null
            && options.RequireHttpsMetadata && !metadataAddress.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{JwtBearerSettingKeys.Authority} and {JwtBearerSettingKeys.MetadataAddress} must use HTTPS unless {JwtBearerSettingKeys.RequireHttpsMetadata} is false.");
        }
    }
}
