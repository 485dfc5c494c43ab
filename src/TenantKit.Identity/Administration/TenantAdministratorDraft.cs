namespace TenantKit.Identity;

/// <summary>The first administrator of a new tenant (<see cref="ITenantIdentityAdministration.CreateTenantWithAdministratorAsync"/>).</summary>
public sealed class TenantAdministratorDraft
{
    /// <summary>The administrator's e-mail address.</summary>
    public required string Email { get; init; }

    /// <summary>The administrator's password; checked with the new tenant's password rules.</summary>
    public required string Password { get; init; }

    /// <summary>The user name. <value>The default is <see langword="null"/>: the e-mail address.</value></summary>
    public string? UserName { get; init; }

    /// <summary>
    /// Whether the e-mail address counts as confirmed (the host vouches for it).
    /// <value>The default is <see langword="true"/>.</value>
    /// </summary>
    public bool EmailConfirmed { get; init; } = true;
}
