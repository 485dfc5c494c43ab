namespace TenantKit.Identity;

/// <summary>
/// The stable <c>type</c> URIs of the RFC 9457 problem documents the user administration endpoints answer with
/// (<c>MapTenantUserAdministration</c>). They share TenantKit's base URI.
/// </summary>
public static class TenantIdentityProblemTypes
{
    /// <summary>The base of every type URI (TenantKit's).</summary>
    public const string BaseUri = "https://tenantkit.dev/problems/";

    /// <summary>400: Identity refused the data (malformed e-mail, weak password, over-long name...); <c>errors</c> lists Identity's descriptions by error code.</summary>
    public const string IdentityValidation = BaseUri + "identity-validation";

    /// <summary>400: the request is malformed (not JSON, unknown or missing fields, a bad query parameter); <c>errors</c> lists the problems by field.</summary>
    public const string InvalidRequest = BaseUri + "invalid-request";

    /// <summary>400: a role named in the request does not exist in the tenant; <c>errors</c> lists them under <c>roles</c>.</summary>
    public const string UnknownRole = BaseUri + "unknown-role";

    /// <summary>404: the tenant has no user with this id (whether or not another tenant has one).</summary>
    public const string UserNotFound = BaseUri + "user-not-found";

    /// <summary>409: the tenant already has a user with this user name or e-mail address.</summary>
    public const string UserAlreadyExists = BaseUri + "user-already-exists";

    /// <summary>403: the signed-in user is not an administrator of this tenant.</summary>
    public const string AdministratorRequired = BaseUri + "tenant-administrator-required";

    /// <summary>409: administrators may not delete, lock or change the roles of their own account.</summary>
    public const string CannotAdministerSelf = BaseUri + "cannot-administer-self";
}
