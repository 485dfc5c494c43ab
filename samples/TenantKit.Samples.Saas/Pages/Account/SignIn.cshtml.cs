using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TenantKit.AspNetCore;
using TenantKit.Samples.Saas.Identity;

namespace TenantKit.Samples.Saas.Pages.Account;

/// <summary>
/// <c>/account/signin</c>: a person of this tenant signs in. The lookup runs in the tenant's own user table, so acme's
/// password means nothing at globex, even for the same e-mail address. Five wrong passwords lock the account for five
/// minutes (Identity's defaults, on the application's clock).
/// </summary>
[RequireTenant]
public sealed class SignInModel(SignInManager<SampleUser> signIn) : PageModel
{
    [BindProperty]
    public AccountInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await signIn.PasswordSignInAsync(Input.Email!.Trim(), Input.Password!, isPersistent: false, lockoutOnFailure: true);
        if (!result.Succeeded)
        {
            ModelState.AddModelError(string.Empty, result.IsLockedOut ? "Too many wrong passwords: this account is locked for a few minutes." : "Wrong e-mail or password.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : Url.Page("/Index")!);
    }
}
