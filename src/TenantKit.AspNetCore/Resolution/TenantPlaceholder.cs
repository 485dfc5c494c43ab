namespace TenantKit.AspNetCore.Resolution;

/// <summary>The placeholder templates use for the tenant identifier.</summary>
internal static class TenantPlaceholder
{
    public const string Value = "{tenant}";
}
