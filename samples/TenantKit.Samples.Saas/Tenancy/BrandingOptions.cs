using System.Text.RegularExpressions;

namespace TenantKit.Samples.Saas.Tenancy;

/// <summary>
/// A tenant's branding: per-tenant options, bound from the tenant's properties <c>Branding:Color</c> and
/// <c>Branding:Tagline</c> (<c>BindTenantOptions&lt;BrandingOptions&gt;("Branding")</c>). Each tenant's container has
/// its own <c>IOptions&lt;BrandingOptions&gt;</c>; the host's has the defaults.
/// </summary>
public sealed partial class BrandingOptions
{
    /// <summary>The colour used when none (or an invalid one) is set.</summary>
    public const string DefaultColor = "#4f46e5";

    /// <summary>The brand colour, <c>#rrggbb</c>.</summary>
    public string? Color { get; set; }

    /// <summary>A line under the tenant's name.</summary>
    public string? Tagline { get; set; }

    /// <summary>
    /// The colour, safe to put in a style attribute: <see cref="Color"/> when it is <c>#rgb</c> or <c>#rrggbb</c>, else
    /// <see cref="DefaultColor"/>. Tenant properties are data, never markup.
    /// </summary>
    public string SafeColor => Color is { } color && IsColor(color) ? color : DefaultColor;

    /// <summary><see langword="true"/> for <c>#rgb</c> or <c>#rrggbb</c>.</summary>
    public static bool IsColor(string value) => HexColor().IsMatch(value);

    [GeneratedRegex("^#(?:[0-9a-fA-F]{3}){1,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex HexColor();
}
