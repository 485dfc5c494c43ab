using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Xml.Linq;

namespace TenantKit.Docs.Tests;

/// <summary>
/// The dotnet new template, end to end: the four packages and the template package are packed to a folder, the template
/// is installed in a private hive, an app is made from it, restored from that folder (and the machine's feeds), built,
/// run on a loopback port, and asked for two tenants by host name. Slow (a restore and a build): one test.
/// </summary>
public sealed class TemplateTests
{
    private static readonly string[] Packages = ["TenantKit", "TenantKit.AspNetCore", "TenantKit.EfCore", "TenantKit.Redis"];

    [Fact]
    public async Task The_web_template_makes_an_app_that_serves_two_tenants_their_own_data()
    {
        var root = RepositoryPaths.Root;
        var work = Directory.CreateTempSubdirectory("tenantkit-template-");
        Process? app = null;
        try
        {
            var feed = Path.Combine(work.FullName, "feed");
            var environment = new Dictionary<string, string>
            {
                ["DOTNET_CLI_HOME"] = Path.Combine(work.FullName, "home"),
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
                ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
                // A private package folder: the 0.1.0 packages just packed must not be confused with (or left behind as)
                // cached ones. The machine's cache is a fallback folder for everything else (see nuget.config below).
                ["NUGET_PACKAGES"] = Path.Combine(work.FullName, "packages"),
            };

            foreach (var package in Packages)
            {
                Run(environment, root, "pack", $"src/{package}", "-c", "Release", "-o", feed, "-nologo");
            }

            Run(environment, root, "pack", "templates/TenantKit.Templates", "-c", "Release", "-o", feed, "-nologo");
            var hive = Path.Combine(work.FullName, "hive");
            var templatePackage = Directory.GetFiles(feed, "TenantKit.Templates.*.nupkg").Single();
            Run(environment, work.FullName, "new", "install", templatePackage, "--debug:custom-hive", hive);
            var project = Path.Combine(work.FullName, "Shop");
            Run(environment, work.FullName, "new", "tenantkit-web", "-o", project, "-n", "Shop", "--debug:custom-hive", hive);

            AssertSameVersionsAsTheRepository(Path.Combine(project, "Shop.csproj"));
            var machinePackages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="tenantkit-local" value="{feed}" />
                    {MachineSources()}
                  </packageSources>
                  <fallbackPackageFolders>
                    <add key="machine" value="{machinePackages}" />
                  </fallbackPackageFolders>
                </configuration>
                """);
            Run(environment, project, "build", "-c", "Release", "-nologo");

            var port = FreePort();
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = project,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { Path.Combine(project, "bin", "Release", "net10.0", "Shop.dll"), "--urls", $"http://127.0.0.1:{port}" })
            {
                start.ArgumentList.Add(argument);
            }

            app = Process.Start(start)!;
            app.BeginOutputReadLine();
            app.BeginErrorReadLine();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            await WaitUntilListeningAsync(http, app);

            var acme = await GetJsonAsync(http, "acme.localhost", "/");
            var globex = await GetJsonAsync(http, "globex.localhost", "/");
            Assert.Equal("Acme Corp", acme.GetProperty("tenant").GetString());
            Assert.Equal("orange", acme.GetProperty("color").GetString());
            Assert.Equal("Globex", globex.GetProperty("tenant").GetString());
            Assert.Equal("teal", globex.GetProperty("color").GetString());

            using (var post = new HttpRequestMessage(HttpMethod.Post, "/notes") { Content = JsonContent.Create(new { text = "acme's note" }) })
            {
                post.Headers.Host = "acme.localhost";
                using var created = await http.SendAsync(post);
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            var acmeNotes = await GetJsonAsync(http, "acme.localhost", "/notes");
            var globexNotes = await GetJsonAsync(http, "globex.localhost", "/notes");
            Assert.Equal("acme's note", Assert.Single(acmeNotes.EnumerateArray()).GetProperty("text").GetString());
            Assert.Empty(globexNotes.EnumerateArray());

            using var bare = new HttpRequestMessage(HttpMethod.Get, "/");
            bare.Headers.Host = "localhost";
            using var bareResponse = await http.SendAsync(bare);
            Assert.Equal(HttpStatusCode.NotFound, bareResponse.StatusCode);
            Assert.Contains("tenant-required", await bareResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            if (app is { HasExited: false })
            {
                app.Kill(entireProcessTree: true);
                await app.WaitForExitAsync();
            }

            app?.Dispose();
            try { work.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static void AssertSameVersionsAsTheRepository(string projectFile)
    {
        var root = RepositoryPaths.Root;
        var version = XDocument.Load(Path.Combine(root, "Directory.Build.props")).Descendants("Version").First().Value;
        var central = XDocument.Load(Path.Combine(root, "Directory.Packages.props"));
        var extensions = central.Descendants("MicrosoftExtensionsVersion").First().Value;
        string Central(string id) => central.Descendants("PackageVersion").Single(p => (string?)p.Attribute("Include") == id)
            .Attribute("Version")!.Value.Replace("$(MicrosoftExtensionsVersion)", extensions, StringComparison.Ordinal);

        var references = XDocument.Load(projectFile).Descendants("PackageReference")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);
        Assert.Equal(version, references["TenantKit.AspNetCore"]);
        Assert.Equal(version, references["TenantKit.EfCore"]);
        Assert.Equal(Central("Microsoft.EntityFrameworkCore.Sqlite"), references["Microsoft.EntityFrameworkCore.Sqlite"]);
    }

    /// <summary>The package sources of the machine's own NuGet configuration (DOTNET_CLI_HOME is private to the test).</summary>
    private static string MachineSources()
    {
        var config = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "NuGet", "NuGet.Config");
        if (!File.Exists(config))
        {
            return """<add key="nuget.org" value="https://api.nuget.org/v3/index.json" />""";
        }

        return string.Join('\n', XDocument.Load(config).Descendants("packageSources").Elements("add")
            .Select(add => new XElement("add", new XAttribute("key", "machine-" + (string?)add.Attribute("key")), new XAttribute("value", (string?)add.Attribute("value") ?? "")).ToString()));
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {host}{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task WaitUntilListeningAsync(HttpClient http, Process app)
    {
        var deadline = DateTimeOffset.Now.AddSeconds(60);
        while (true)
        {
            Assert.False(app.HasExited, $"the app exited with {(app.HasExited ? app.ExitCode : 0)}");
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/");
                request.Headers.Host = "localhost";
                using var response = await http.SendAsync(request);
                return;
            }
            catch (HttpRequestException) when (DateTimeOffset.Now < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(IDictionary<string, string> environment, string directory, params string[] arguments)
    {
        var (exitCode, output) = ProcessRunner.Run("dotnet", arguments, directory, TimeSpan.FromMinutes(10), environment);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {exitCode}:\n{output}");
    }
}
