using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace TenantKit.Identity.Tests.Randomized;

public sealed class RandomizedIdentitySqliteTests(SqliteFixture database, ITestOutputHelper output) : IClassFixture<SqliteFixture>
{
    [Fact]
    public Task FiveThousandOperations_AcrossTenants_NeverCrossATenant_AndLoseNothing()
        => RandomizedIdentity.RunAsync(database, output, seed: 16_001, operations: 5_000);
}

public sealed class RandomizedIdentityPostgresTests(PostgresFixture database, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public Task FiveThousandOperations_AcrossTenants_NeverCrossATenant_AndLoseNothing()
        => RandomizedIdentity.RunAsync(database, output, seed: 16_002, operations: 5_000);
}

/// <summary>
/// Seeded random Identity operations on every isolation model the database has (acme and globex in shared tables,
/// initech in a database of its own, umbrella in a schema of its own on PostgreSQL), checked after each against a model
/// of who belongs where. Cross-tenant attempts (another tenant's password, user id, reset or confirmation token) must
/// all fail; at the end every modelled user is in exactly its tenant with its roles, and nobody else exists.
/// Passwords are hashed with one PBKDF2 iteration (IdentityApp), so the run takes seconds.
/// </summary>
internal static class RandomizedIdentity
{
    private static readonly string[] Roles = ["r1", "r2", "r3"];

    public static async Task RunAsync(DatabaseFixture database, ITestOutputHelper output, int seed, int operations)
    {
        var random = new Random(seed);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var app = await IdentityApp.StartAsync(database);
        string[] tenants = database.SupportsSchemas ? ["acme", "globex", "initech", "umbrella"] : ["acme", "globex", "initech"];
        var model = tenants.ToDictionary(t => t, _ => new Dictionary<string, ModelUser>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            await app.AsTenantAsync(tenant, async s =>
            {
                var roles = s.GetRequiredService<RoleManager<IdentityRole>>();
                foreach (var role in Roles)
                {
                    Assert.True((await roles.CreateAsync(new IdentityRole(role))).Succeeded);
                }

                return true;
            });
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var crossTenantSuccesses = 0;
        var step = 0;
        try
        {
            for (step = 0; step < operations; step++)
            {
                var tenant = tenants[random.Next(tenants.Length)];
                var other = tenants.Where(t => t != tenant).ElementAt(random.Next(tenants.Length - 1));
                var email = $"user{random.Next(12)}@example.com";
                var users = model[tenant];
                var op = random.Next(100) switch
                {
                    < 18 => "create",
                    < 38 => "sign-in",
                    < 48 => "wrong-password",
                    < 60 => "sign-in-elsewhere",
                    < 68 => "roles",
                    < 76 => "reset",
                    < 84 => "token-elsewhere",
                    < 90 => "id-elsewhere",
                    < 95 => "unlock",
                    _ => "delete",
                };
                counts[op] = counts.GetValueOrDefault(op) + 1;
                switch (op)
                {
                    case "create":
                    {
                        var password = NewPassword(random);
                        var (succeeded, id) = await app.AsTenantAsync(tenant, async s =>
                        {
                            var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true };
                            var result = await s.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, password);
                            return (result.Succeeded, user.Id);
                        });
                        Assert.Equal(!users.ContainsKey(email), succeeded);
                        if (succeeded)
                        {
                            users[email] = new ModelUser(id, password);
                        }

                        break;
                    }

                    case "sign-in":
                    case "wrong-password":
                    {
                        var right = op == "sign-in";
                        var password = users.TryGetValue(email, out var known) && right ? known.Password : NewPassword(random);
                        var result = await SignInAsync(app, tenant, email, password);
                        if (known is null)
                        {
                            Assert.Equal("none", result);
                        }
                        else
                        {
                            Assert.Equal(Expect(known, right), result);
                        }

                        break;
                    }

                    case "sign-in-elsewhere":
                    {
                        // acme's user's password, tried at another tenant for the same e-mail address.
                        if (!users.TryGetValue(email, out var known))
                        {
                            break;
                        }

                        var result = await SignInAsync(app, other, email, known.Password);
                        if (model[other].TryGetValue(email, out var there) && there.Password == known.Password)
                        {
                            break;
                        }

                        if (result == "ok")
                        {
                            crossTenantSuccesses++;
                        }

                        Assert.Equal(there is null ? "none" : Expect(there, right: false), result);
                        break;
                    }

                    case "roles":
                    {
                        if (!users.TryGetValue(email, out var known))
                        {
                            break;
                        }

                        var role = Roles[random.Next(Roles.Length)];
                        var roles = await app.AsTenantAsync(tenant, async s =>
                        {
                            var manager = s.GetRequiredService<UserManager<AppUser>>();
                            var user = (await manager.FindByIdAsync(known.Id))!;
                            var result = known.Roles.Contains(role) ? await manager.RemoveFromRoleAsync(user, role) : await manager.AddToRoleAsync(user, role);
                            Assert.True(result.Succeeded);
                            return (await manager.GetRolesAsync(user)).Order(StringComparer.Ordinal).ToList();
                        });
                        if (!known.Roles.Add(role))
                        {
                            known.Roles.Remove(role);
                        }

                        Assert.Equal(known.Roles.Order(StringComparer.Ordinal), roles);
                        break;
                    }

                    case "reset":
                    {
                        if (!users.TryGetValue(email, out var known))
                        {
                            break;
                        }

                        var password = NewPassword(random);
                        var token = await app.AsTenantAsync(tenant, async s =>
                        {
                            var manager = s.GetRequiredService<UserManager<AppUser>>();
                            return await manager.GeneratePasswordResetTokenAsync((await manager.FindByIdAsync(known.Id))!);
                        });

                        // The token, replayed at another tenant for its user with the same address, fails.
                        if (model[other].TryGetValue(email, out var there))
                        {
                            var stolen = await app.AsTenantAsync(other, async s =>
                            {
                                var manager = s.GetRequiredService<UserManager<AppUser>>();
                                return (await manager.ResetPasswordAsync((await manager.FindByIdAsync(there.Id))!, token, "Stolen-" + password)).Succeeded;
                            });
                            crossTenantSuccesses += stolen ? 1 : 0;
                            Assert.False(stolen);
                        }

                        var reset = await app.AsTenantAsync(tenant, async s =>
                        {
                            var manager = s.GetRequiredService<UserManager<AppUser>>();
                            return (await manager.ResetPasswordAsync((await manager.FindByIdAsync(known.Id))!, token, password)).Succeeded;
                        });
                        Assert.True(reset);
                        known.Password = password;
                        break;
                    }

                    case "token-elsewhere":
                    {
                        // A confirmation token of this tenant's user, checked at another tenant against the very same user object.
                        if (!users.TryGetValue(email, out var known))
                        {
                            break;
                        }

                        var (user, token) = await app.AsTenantAsync(tenant, async s =>
                        {
                            var manager = s.GetRequiredService<UserManager<AppUser>>();
                            var user = (await manager.FindByIdAsync(known.Id))!;
                            return (user, await manager.GenerateEmailConfirmationTokenAsync(user));
                        });
                        var valid = await app.AsTenantAsync(other, s =>
                        {
                            var manager = s.GetRequiredService<UserManager<AppUser>>();
                            return manager.VerifyUserTokenAsync(user, manager.Options.Tokens.EmailConfirmationTokenProvider, UserManager<AppUser>.ConfirmEmailTokenPurpose, token);
                        });
                        crossTenantSuccesses += valid ? 1 : 0;
                        Assert.False(valid);
                        break;
                    }

                    case "id-elsewhere":
                    {
                        if (!users.TryGetValue(email, out var known))
                        {
                            break;
                        }

                        var found = await app.AsTenantAsync(other, async s => await s.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(known.Id) is not null);
                        crossTenantSuccesses += found ? 1 : 0;
                        Assert.False(found);
                        break;
                    }

                    case "unlock":
                    {
                        if (!users.TryGetValue(email, out var known))
                        {
                            break;
                        }

                        await app.AsTenantAsync(tenant, async s =>
                        {
                            var manager = s.GetRequiredService<UserManager<AppUser>>();
                            var user = (await manager.FindByIdAsync(known.Id))!;
                            Assert.True((await manager.SetLockoutEndDateAsync(user, null)).Succeeded);
                            return (await manager.ResetAccessFailedCountAsync(user)).Succeeded;
                        });
                        known.Failures = 0;
                        known.Locked = false;
                        break;
                    }

                    default:
                    {
                        var deleted = await app.AsTenantAsync(tenant, async s =>
                        {
                            var manager = s.GetRequiredService<UserManager<AppUser>>();
                            return await manager.FindByEmailAsync(email) is { } user && (await manager.DeleteAsync(user)).Succeeded;
                        });
                        Assert.Equal(users.Remove(email), deleted);
                        break;
                    }
                }
            }

            Assert.Equal(0, crossTenantSuccesses);
            await ReconcileAsync(app, model);
        }
        catch
        {
            output.WriteLine($"Randomized Identity test failed at step {step} of {operations} with seed {seed} on {database.Provider}.");
            throw;
        }

        output.WriteLine($"seed {seed}, {operations} operations on {database.Provider} in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}");
        Assert.True(counts.GetValueOrDefault("sign-in-elsewhere") > 100);
    }

    private static string Expect(ModelUser user, bool right)
    {
        if (user.Locked)
        {
            return "locked";
        }

        if (right)
        {
            user.Failures = 0;
            return "ok";
        }

        // Identity locks the account at the fifth failure (MaxFailedAccessAttempts) and answers that failure "locked out".
        if (++user.Failures >= 5)
        {
            user.Failures = 0;
            user.Locked = true;
            return "locked";
        }

        return "failed";
    }

    private static Task<string> SignInAsync(IdentityApp app, string tenant, string email, string password)
        => app.AsTenantAsync(tenant, async s =>
        {
            var user = await s.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
            if (user is null)
            {
                return "none";
            }

            var result = await s.GetRequiredService<SignInManager<AppUser>>().CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
            return result.Succeeded ? "ok" : result.IsLockedOut ? "locked" : "failed";
        });

    private static async Task ReconcileAsync(IdentityApp app, Dictionary<string, Dictionary<string, ModelUser>> model)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (tenant, users) in model)
        {
            var stored = await app.AsTenantAsync(tenant, async s =>
            {
                var manager = s.GetRequiredService<UserManager<AppUser>>();
                var rows = await manager.Users.OrderBy(u => u.Email).ToListAsync();
                var result = new List<(string Id, string Email, List<string> Roles)>();
                foreach (var row in rows)
                {
                    result.Add((row.Id, row.Email!, [.. (await manager.GetRolesAsync(row)).Order(StringComparer.Ordinal)]));
                }

                return result;
            });
            Assert.Equal(users.Keys.Order(StringComparer.Ordinal), stored.Select(u => u.Email));
            foreach (var (id, email, roles) in stored)
            {
                Assert.Equal(users[email].Id, id);
                Assert.Equal(users[email].Roles.Order(StringComparer.Ordinal), roles);
                Assert.True(seen.Add(id), $"user {id} is seen in two tenants");
            }
        }

        // The shared tables, read by the host: every row belongs to the tenant the model says, and nothing else is there.
        var accessor = app.Services.GetRequiredService<ITenantContextAccessor>();
        using (accessor.BeginHostScope())
        {
            await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppIdentityContext>>().CreateDbContextAsync();
            var rows = await db.Users.Select(u => new { u.Id, u.Email, Tenant = EF.Property<string>(u, "TenantId") }).ToListAsync();
            var expected = model.Where(t => t.Key is "acme" or "globex")
                .SelectMany(t => t.Value.Values.Select(u => (u.Id, Tenant: "t-" + t.Key)))
                .Order().ToList();
            Assert.Equal(expected, rows.Select(r => (r.Id, r.Tenant)).Order().ToList());
        }
    }

    private static string NewPassword(Random random) => $"Pw-{random.Next():x8}{random.Next(1000):d3}-Zz!";

    private sealed class ModelUser(string id, string password)
    {
        public string Id { get; } = id;

        public string Password { get; set; } = password;

        public HashSet<string> Roles { get; } = new(StringComparer.Ordinal);

        public int Failures { get; set; }

        public bool Locked { get; set; }
    }
}
