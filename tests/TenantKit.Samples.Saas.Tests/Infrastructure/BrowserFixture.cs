using Microsoft.Playwright;

namespace TenantKit.Samples.Saas.Tests.Infrastructure;

/// <summary>
/// One headless Chromium for a test class, driven by Playwright for .NET through the Node driver its NuGet package ships.
/// Playwright cannot download browsers here: the Debian Chromium is used (<c>TENANTKIT_CHROMIUM</c>, set by
/// <c>eng/services/chromium.sh</c>, else <c>/usr/bin/chromium</c>). Without it the browser tests fail, loudly: they are
/// never skipped. Each launch gets a fresh temporary profile (user data directory) from Playwright, removed on close.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumVariable = "TENANTKIT_CHROMIUM";
    public const string DefaultChromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ChromiumPath()
    {
        var configured = Environment.GetEnvironmentVariable(ChromiumVariable);
        var path = string.IsNullOrWhiteSpace(configured) ? DefaultChromium : configured;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at '{path}', so the browser tests cannot run (they are never skipped"
                + (Environment.GetEnvironmentVariable("CI") == "true" ? ", and CI=true" : string.Empty) + "). "
                + $"Run the tests with 'bash eng/test.sh' (eng/services/chromium.sh installs the Debian 'chromium' package as root), "
                + $"install it yourself ('apt-get install chromium'), or set {ChromiumVariable} to a Chromium or Chrome executable.");
        }

        return path;
    }

    public async Task InitializeAsync()
    {
        var path = ChromiumPath();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Timeout = 60_000,
            Args =
            [
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>Where screenshots go: <c>artifacts/screenshots/</c> at the repository root (ignored by git).</summary>
    public static string ScreenshotPath(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TenantKit.sln")))
        {
            directory = directory.Parent;
        }

        var folder = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name + ".png");
    }
}
