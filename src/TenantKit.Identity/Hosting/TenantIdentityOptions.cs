namespace TenantKit.Identity;

/// <summary>Options of TenantKit.Identity, the same for every tenant; validated at start-up.</summary>
public sealed class TenantIdentityOptions
{
    /// <summary>
    /// The role whose members administer their tenant's users (the user administration endpoints). Each tenant has its
    /// own role of this name, in its own data.
    /// <value>The default is <c>tenant-admin</c>.</value>
    /// </summary>
    public string AdministratorRole { get; set; } = "tenant-admin";
}
