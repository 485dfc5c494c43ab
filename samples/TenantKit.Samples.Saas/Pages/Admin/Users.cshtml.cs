using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using TenantKit.AspNetCore;
using TenantKit.Samples.Saas.Identity;

namespace TenantKit.Samples.Saas.Pages.Admin;

/// <summary>
/// <c>/admin/users</c>: a tenant's administrators manage that tenant's people: add, lock, unlock, delete, make or unmake
/// administrators. Everything goes through the tenant's own <see cref="UserManager{TUser}"/>, so another tenant's user
/// id finds nobody (404), and membership of the administrator role is checked in the tenant's store at every request
/// (a removed administrator loses the page at once, not when the cookie expires). Signed-in users only (Program.cs).
/// </summary>
[RequireTenant]
public sealed class UsersModel(UserManager<SampleUser> users, RoleManager<IdentityRole> roles, TimeProvider time) : PageModel
{
    public IReadOnlyList<UserRow> Users { get; private set; } = [];

    [BindProperty]
    public NewUserInput NewUser { get; set; } = new();

    [TempData]
    public string? Message { get; set; }

    public string? CurrentUserId { get; private set; }

    public override async Task OnPageHandlerExecutionAsync(Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutingContext context, Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var me = await users.GetUserAsync(User);
        if (me is null || !await users.IsInRoleAsync(me, SampleAccounts.AdministratorRole))
        {
            context.Result = new StatusCodeResult(StatusCodes.Status403Forbidden);
            return;
        }

        CurrentUserId = me.Id;
        await next();
    }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostCreateAsync()
    {
        if (ModelState.IsValid)
        {
            var result = await SampleAccounts.CreateAsync(users, roles, NewUser.Email!.Trim(), NewUser.Password!, NewUser.Administrator);
            if (result.Succeeded)
            {
                Message = $"Added {NewUser.Email.Trim()}.";
                return RedirectToPage();
            }

            foreach (var error in result.Errors)
            {
                ModelState.AddModelError("NewUser", error.Description);
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync();
        return Page();
    }

    public Task<IActionResult> OnPostLockAsync(string id)
        => ActAsync(id, async user =>
        {
            await users.SetLockoutEnabledAsync(user, true);
            var result = await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
            await users.UpdateSecurityStampAsync(user);
            return (result, "Locked");
        });

    public Task<IActionResult> OnPostUnlockAsync(string id)
        => ActAsync(id, async user => (await users.SetLockoutEndDateAsync(user, null), "Unlocked"));

    public Task<IActionResult> OnPostDeleteAsync(string id)
        => ActAsync(id, async user => (await users.DeleteAsync(user), "Deleted"));

    public Task<IActionResult> OnPostMakeAdministratorAsync(string id)
        => ActAsync(id, async user => (await users.AddToRoleAsync(user, SampleAccounts.AdministratorRole), "Made an administrator:"));

    public Task<IActionResult> OnPostRemoveAdministratorAsync(string id)
        => ActAsync(id, async user =>
        {
            var result = await users.RemoveFromRoleAsync(user, SampleAccounts.AdministratorRole);
            await users.UpdateSecurityStampAsync(user);
            return (result, "No longer an administrator:");
        });

    /// <summary>One action on one user of this tenant; an id of another tenant (or none) is a 404.</summary>
    private async Task<IActionResult> ActAsync(string id, Func<SampleUser, Task<(IdentityResult Result, string Done)>> action)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null)
        {
            return NotFound();
        }

        if (user.Id == CurrentUserId)
        {
            Message = "You cannot lock, delete or demote yourself.";
            return RedirectToPage();
        }

        var (result, done) = await action(user);
        Message = result.Succeeded ? $"{done} {user.Email}." : string.Join(" ", result.Errors.Select(e => e.Description));
        return RedirectToPage();
    }

    private async Task LoadAsync()
    {
        var now = time.GetUtcNow();
        var administrators = (await users.GetUsersInRoleAsync(SampleAccounts.AdministratorRole)).Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
        var all = await users.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(HttpContext.RequestAborted);
        Users = [.. all.Select(u => new UserRow(u.Id, u.Email ?? u.UserName ?? u.Id, administrators.Contains(u.Id), u.LockoutEnd is { } end && end > now))];
    }
}

/// <summary>One line of the users table.</summary>
public sealed record UserRow(string Id, string Email, bool IsAdministrator, bool IsLocked);

/// <summary>The "add a user" form.</summary>
public sealed class NewUserInput
{
    [Required(ErrorMessage = "Enter an e-mail address.")]
    public string? Email { get; set; }

    [Required(ErrorMessage = "Choose a first password.")]
    public string? Password { get; set; }

    public bool Administrator { get; set; }
}
