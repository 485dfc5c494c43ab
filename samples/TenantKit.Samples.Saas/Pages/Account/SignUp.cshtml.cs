using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TenantKit.AspNetCore;
using TenantKit.Samples.Saas.Identity;

namespace TenantKit.Samples.Saas.Pages.Account;

/// <summary>
/// <c>/account/signup</c>: anyone may open an account at this tenant, and is signed in at once. The account exists at
/// this tenant only; the same address can sign up at another tenant, with another password.
/// </summary>
[RequireTenant]
public sealed class SignUpModel(UserManager<SampleUser> users, RoleManager<IdentityRole> roles, SignInManager<SampleUser> signIn) : PageModel
{
    [BindProperty]
    public AccountInput Input { get; set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await SampleAccounts.CreateAsync(users, roles, Input.Email!.Trim(), Input.Password!, administrator: false);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(string.Empty, error.Description);
            }

            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await signIn.SignInAsync((await users.FindByEmailAsync(Input.Email.Trim()))!, isPersistent: false);
        TempData["Message"] = "Welcome! Your account is ready.";
        return RedirectToPage("/Index");
    }
}
