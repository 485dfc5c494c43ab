using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TenantKit.AspNetCore;

namespace TenantKit.Samples.Saas.Pages.Console;

/// <summary><c>/console/signout</c> (POST): ends the host's session.</summary>
[RequireHost]
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Console/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return RedirectToPage("/Console/SignIn");
    }
}
