using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TenantKit.AspNetCore;
using TenantKit.Samples.Saas.Identity;

namespace TenantKit.Samples.Saas.Pages.Account;

/// <summary><c>POST /account/signout</c>: signs the tenant's user out (a form in the page header).</summary>
[RequireTenant]
public sealed class SignOutModel(SignInManager<SampleUser> signIn) : PageModel
{
    public async Task<IActionResult> OnPostAsync()
    {
        await signIn.SignOutAsync();
        return RedirectToPage("/Index");
    }
}
