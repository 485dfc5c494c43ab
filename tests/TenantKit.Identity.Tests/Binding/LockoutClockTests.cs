using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace TenantKit.Identity.Tests.Binding;

/// <summary>
/// Lockout runs on the application's <see cref="TimeProvider"/>. Identity's own UserManager read the wall clock: with a
/// fake clock, a lockout set from the fake clock never ended (or one set from the wall clock never started).
/// </summary>
public sealed class LockoutClockTests(SqliteFixture database) : IClassFixture<SqliteFixture>
{
    // Years away from the wall clock, so either half of Identity reading DateTimeOffset.UtcNow would show.
    private static readonly DateTimeOffset Start = new(2031, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Lockout_StartsAndEndsOnTheInjectedClock_NotTheWallClock()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await IdentityApp.StartAsync(database, services: s => s.AddSingleton<TimeProvider>(clock));
        var id = await app.CreateUserAsync("acme", "lock@example.com");

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("acme", "lock@example.com", "Wrong-Passw0rd!")).Status);
        }

        // Locked for Identity's default 5 minutes from the fake now, even with the right password.
        var end = await app.AsTenantAsync("acme", async s =>
        {
            var users = s.GetRequiredService<UserManager<AppUser>>();
            return await users.GetLockoutEndDateAsync((await users.FindByIdAsync(id))!);
        });
        Assert.Equal(Start.AddMinutes(5), end);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("acme", "lock@example.com", IdentityApp.Password)).Status);

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("acme", "lock@example.com", IdentityApp.Password)).Status);

        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("acme", "lock@example.com", IdentityApp.Password)).Status);
    }

    [Fact]
    public async Task Lockout_TimeSpanIsTheTenants_OnTheInjectedClock()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await IdentityApp.StartAsync(
            database,
            tenantKit: t => t.ConfigureTenantOptions<IdentityOptions>((tenant, o) =>
            {
                if (tenant.Identifier == "globex")
                {
                    o.Lockout.MaxFailedAccessAttempts = 2;
                    o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromHours(1);
                }
            }),
            services: s => s.AddSingleton<TimeProvider>(clock));
        await app.CreateUserAsync("acme", "same@example.com");
        await app.CreateUserAsync("globex", "same@example.com");

        for (var i = 0; i < 2; i++)
        {
            await app.LoginAsync("globex", "same@example.com", "Wrong-Passw0rd!");
            await app.LoginAsync("acme", "same@example.com", "Wrong-Passw0rd!");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("globex", "same@example.com", IdentityApp.Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("acme", "same@example.com", IdentityApp.Password)).Status);

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.LoginAsync("globex", "same@example.com", IdentityApp.Password)).Status);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await app.LoginAsync("globex", "same@example.com", IdentityApp.Password)).Status);
    }
}
