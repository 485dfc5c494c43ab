namespace TenantKit;

/// <summary>Thrown when no tenant has the requested identifier or id.</summary>
public sealed class TenantNotFoundException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The identifier or id that was looked up.</param>
    public TenantNotFoundException(string key)
        : base("tenant-not-found", $"No tenant '{key}' exists.")
    {
        Key = key;
    }

    /// <summary>The identifier or id that was looked up.</summary>
    public string Key { get; }
}
