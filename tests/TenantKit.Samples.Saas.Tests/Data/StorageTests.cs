using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Data;

/// <summary>Where the sample keeps its data: SQLite files in its data folder, created and seeded on the first run only.</summary>
public sealed class StorageTests
{
    [Fact]
    public async Task FirstRun_CreatesTheDatabasesInTheDataFolder_GlobexInAFileOfItsOwn()
    {
        await using var app = new SampleApp();
        using var client = app.CreateBrowserLikeClient();
        await client.HtmlAsync(At("acme"));
        var acme = await app.TenantAsync("acme");
        var globex = await app.TenantAsync("globex");
        var shared = Path.Combine(app.DataPath, "saas.db");
        var own = Path.Combine(app.DataPath, $"tenant-{globex.Id}.db");

        Assert.Equal(3, await Sqlite.CountAsync(shared, $"SELECT COUNT(*) FROM Notes WHERE TenantId = '{acme.Id}'"));
        Assert.Equal(0, await Sqlite.CountAsync(shared, $"SELECT COUNT(*) FROM Notes WHERE TenantId = '{globex.Id}'"));
        Assert.Equal(2, await Sqlite.CountAsync(own, "SELECT COUNT(*) FROM Notes"));
        Assert.Equal(2, await Sqlite.CountAsync(own, $"SELECT COUNT(*) FROM Notes WHERE TenantId = '{globex.Id}'"));
        Assert.Equal(2, await Sqlite.CountAsync(shared, "SELECT COUNT(*) FROM tenantkit_tenants"));
    }

    [Fact]
    public async Task SecondRun_OnTheSameData_KeepsIt_AndDoesNotSeedAgain()
    {
        var data = SampleApp.NewDataPath();
        try
        {
            await using (var first = new SampleApp(dataPath: data))
            {
                using var client = first.CreateBrowserLikeClient();
                await client.SignInAsSeededAsync("acme");
                using var added = await client.PostFormAsync(At("acme"), At("acme"), ("Input.Title", "Still here tomorrow"), ("Input.Text", string.Empty));
                Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
            }

            await using var second = new SampleApp(dataPath: data);
            using var again = second.CreateBrowserLikeClient();
            var acme = await again.HtmlAsync(At("acme"));

            Assert.Equal("4", Field(acme, "note-count"));
            Assert.Contains("Still here tomorrow", acme, StringComparison.Ordinal);
            Assert.Equal("2", Field(await again.HtmlAsync(At("globex")), "note-count"));
            Assert.Equal(2, await Sqlite.CountAsync(Path.Combine(data, "saas.db"), "SELECT COUNT(*) FROM tenantkit_tenants"));
        }
        finally
        {
            SampleApp.DeleteDataPath(data);
        }
    }

    [Fact]
    public async Task HostSignIn_SurvivesARestart_ItsKeysLiveInTheDataFolder()
    {
        var data = SampleApp.NewDataPath();
        try
        {
            var cookies = new CookieContainer();
            await using (var first = new SampleApp(dataPath: data))
            {
                using var client = first.CreateDefaultClient(new CookieContainerHandler(cookies));
                await client.SignInAsync();
            }

            Assert.NotEmpty(Directory.GetFiles(Path.Combine(data, "keys"), "key-*.xml"));
            await using var second = new SampleApp(dataPath: data);
            using var again = second.CreateDefaultClient(new CookieContainerHandler(cookies));

            var (status, _) = await again.PageAsync(HostConsole.Url);

            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            SampleApp.DeleteDataPath(data);
        }
    }
}
