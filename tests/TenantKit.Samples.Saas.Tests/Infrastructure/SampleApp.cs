using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TenantKit.Samples.Saas.Tests.Infrastructure;

/// <summary>
/// The sample application, started as <c>dotnet run</c> starts it (its own Program.cs), in the test server or on Kestrel,
/// with a data folder of its own that is removed afterwards. Settings override appsettings.json.
/// </summary>
public class SampleApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _ownsDataPath;
    private readonly string _environment;

    public SampleApp(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string? dataPath = null, string environment = "Development")
    {
        _environment = environment;
        _ownsDataPath = dataPath is null;
        DataPath = dataPath ?? NewDataPath();
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>(), StringComparer.OrdinalIgnoreCase)
        {
            ["Sample:DataPath"] = DataPath,
        };
        _services = services;
    }

    /// <summary>The folder holding this application's SQLite files.</summary>
    public string DataPath { get; }

    public static string NewDataPath() => Path.Combine(Path.GetTempPath(), "tenantkit-sample-tests", Guid.NewGuid().ToString("N"));

    /// <summary>An HTTP client that keeps cookies and does not follow redirects, so tests see them.</summary>
    public HttpClient CreateBrowserLikeClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));
        builder.ConfigureLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Warning));
        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        if (_ownsDataPath)
        {
            DeleteDataPath(DataPath);
        }
    }

    public static void DeleteDataPath(string path)
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
