using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Console;

/// <summary>The configured idle timeout, driven by a fake clock: a tenant leaves memory, and the console says so.</summary>
public sealed class IdleTimeoutTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly SampleApp _app;
    private HttpClient _host = null!;

    public IdleTimeoutTests()
    {
        _app = new SampleApp(
            new Dictionary<string, string?> { ["TenantKit:Runtime:IdleTimeout"] = "00:02:00", ["TenantKit:Runtime:SweepInterval"] = "00:00:10" },
            services => services.AddSingleton<TimeProvider>(_time));
    }

    public async Task InitializeAsync()
    {
        _host = _app.CreateBrowserLikeClient();
        await _host.SignInAsync();
    }

    public async Task DisposeAsync()
    {
        _host.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task IdleTenant_LeavesMemoryAfterTheConfiguredTimeout_AndTheConsoleShowsIt()
    {
        await _host.HtmlAsync(At("acme"));
        var before = await _host.HtmlAsync(HostConsole.Url);
        Assert.Equal("resident", Field(before, "resident", "acme"));
        Assert.Equal("2 min", Field(before, "idle-left", "acme"));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("1 min", Field(await _host.HtmlAsync(HostConsole.Url), "idle-left", "acme"));

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(10));
        var after = await WaitForAsync(html => Field(html, "resident", "acme") == "not loaded");

        Assert.StartsWith("idle, ", Field(after, "unload-reason", "acme"), StringComparison.Ordinal);
        Assert.Contains("<h1>Acme Corporation</h1>", await _host.HtmlAsync(At("acme")), StringComparison.Ordinal);
        Assert.Equal("resident", Field(await _host.HtmlAsync(HostConsole.Url), "resident", "acme"));
    }

    /// <summary>The sweep runs on the thread pool once the fake clock fires it: wait (briefly, in real time) for it to finish.</summary>
    private async Task<string> WaitForAsync(Func<string, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var html = await _host.HtmlAsync(HostConsole.Url);
            if (condition(html) || DateTime.UtcNow > deadline)
            {
                return html;
            }

            await Task.Delay(50);
        }
    }
}
