using Microsoft.Extensions.Configuration;

namespace TenantKit.Authentication.Binding;

/// <summary>
/// The settings of one tenant for one scheme, read from the tenant's properties (<c>{prefix}:{key}</c>) and, when a
/// section template is set, from the application's configuration (<c>{section}:{key}</c>, <c>{tenant}</c> replaced
/// by the tenant identifier). A property wins over the configuration, key by key. Nothing is read from anywhere else:
/// never the host's scheme configuration, never another tenant's section.
/// </summary>
internal sealed class TenantSchemeSettings
{
    private readonly TenantInfo _tenant;
    private readonly string _propertyPrefix;
    private readonly IConfigurationSection? _section;

    public TenantSchemeSettings(TenantInfo tenant, string propertyPrefix, string? sectionTemplate, IConfiguration? configuration)
    {
        _tenant = tenant;
        _propertyPrefix = propertyPrefix + ":";
        if (sectionTemplate is not null && configuration is not null)
        {
            _section = configuration.GetSection(sectionTemplate.Replace(SectionPlaceholder, tenant.Identifier, StringComparison.Ordinal));
        }
    }

    /// <summary>The placeholder a section template names the tenant with.</summary>
    public const string SectionPlaceholder = "{tenant}";

    /// <summary>Where the settings come from, for messages (never their values).</summary>
    public string Source => _section is null ? $"properties '{_propertyPrefix}*'" : $"properties '{_propertyPrefix}*' and section '{_section.Path}'";

    /// <summary>The value of <paramref name="key"/>, or <see langword="null"/> when neither source has a non-blank one.</summary>
    public string? Get(string key)
    {
        var value = _tenant.GetProperty(_propertyPrefix + key);
        if (string.IsNullOrWhiteSpace(value))
        {
            value = _section?[key];
        }

        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>A list value: items separated by commas or white space.</summary>
    public string[] GetList(string key)
        => Get(key)?.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>A Boolean value; <paramref name="problems"/> gets a message when it is not one.</summary>
    public bool? GetBoolean(string key, List<string> problems)
    {
        var value = Get(key);
        if (value is null)
        {
            return null;
        }

        if (bool.TryParse(value, out var result))
        {
            return result;
        }

        problems.Add($"{key} must be true or false.");
        return null;
    }

    /// <summary>An absolute http(s) URI; <paramref name="problems"/> gets a message when it is not one.</summary>
    public string? GetAbsoluteUri(string key, List<string> problems)
    {
        var value = Get(key);
        if (value is null)
        {
            return null;
        }

        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return value;
        }

        problems.Add($"{key} must be an absolute http(s) URI.");
        return null;
    }

    /// <summary>A path of the application (<c>/signin-oidc</c>); <paramref name="problems"/> gets a message when it is not one.</summary>
    public PathString? GetPath(string key, List<string> problems)
    {
        var value = Get(key);
        if (value is null)
        {
            return null;
        }

        if (value.StartsWith('/') && !value.StartsWith("//", StringComparison.Ordinal) && !value.Contains('?', StringComparison.Ordinal))
        {
            return new PathString(value);
        }

        problems.Add($"{key} must be a path starting with '/'.");
        return null;
    }
}
