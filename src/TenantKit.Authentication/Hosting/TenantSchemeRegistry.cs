namespace TenantKit.Authentication.Hosting;

/// <summary>The schemes declared tenant-managed, so one scheme is never declared twice.</summary>
internal sealed class TenantSchemeRegistry
{
    public HashSet<string> Schemes { get; } = new(StringComparer.Ordinal);
}
