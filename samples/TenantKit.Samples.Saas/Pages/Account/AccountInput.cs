using System.ComponentModel.DataAnnotations;

namespace TenantKit.Samples.Saas.Pages.Account;

/// <summary>The sign-in and sign-up forms: an e-mail address and a password, at the request's tenant.</summary>
public sealed class AccountInput
{
    [Required(ErrorMessage = "Enter your e-mail address.")]
    public string? Email { get; set; }

    [Required(ErrorMessage = "Enter your password.")]
    public string? Password { get; set; }
}
