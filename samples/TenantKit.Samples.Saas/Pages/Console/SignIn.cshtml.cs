using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using TenantKit.AspNetCore;
using TenantKit.Samples.Saas.Hosting;

namespace TenantKit.Samples.Saas.Pages.Console;

/// <summary><c>/console/signin</c>: the host's sign-in, against the account in <c>Sample:Host</c>.</summary>
[RequireHost]
public sealed class SignInModel(IOptions<SampleOptions> options) : PageModel
{
    [BindProperty]
    public SignInInput Input { get; set; } = new();

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

        var account = options.Value.Host;
        if (account.Password.Length == 0)
        {
            ModelState.AddModelError(string.Empty, "Sign-in is off: set Sample:Host:Password in the configuration.");
            return Page();
        }

        if (!Matches(Input.UserName, account.UserName) | !Matches(Input.Password, account.Password))
        {
            ModelState.AddModelError(string.Empty, "Wrong user name or password.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, account.UserName)], CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : Url.Page("/Console/Index")!);
    }

    /// <summary>Compares in constant time (over hashes, so the length does not show either).</summary>
    private static bool Matches(string? given, string expected)
        => CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given ?? string.Empty)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}

public sealed class SignInInput
{
    [Required(ErrorMessage = "Enter the user name.")]
    public string? UserName { get; set; }

    [Required(ErrorMessage = "Enter the password.")]
    public string? Password { get; set; }
}
