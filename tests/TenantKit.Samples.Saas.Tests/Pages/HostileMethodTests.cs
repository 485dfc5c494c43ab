using static TenantKit.Samples.Saas.Tests.Infrastructure.Http;

namespace TenantKit.Samples.Saas.Tests.Pages;

/// <summary>Every method on every page, as an attacker would send them: never a 500, always a problem document.</summary>
public sealed class HostileMethodTests : IAsyncLifetime
{
    private readonly SampleApp _app = new();
    private HttpClient _client = null!;

    public static TheoryData<string, string> PagesAndMethods()
    {
        var data = new TheoryData<string, string>();
        string[] urls = [At("acme"), At("acme", "/notes/1/edit"), Host("/t/globex/"), Host("/console"), Host("/console/signin"), Host("/"), At("nobody")];
        foreach (var url in urls)
        {
            foreach (var method in new[] { "TRACE", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "FOO" })
            {
                data.Add(method, url);
            }
        }

        return data;
    }

    public Task InitializeAsync()
    {
        _client = _app.CreateBrowserLikeClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(PagesAndMethods))]
    public async Task AnyMethod_OnAnyPage_IsNeverA500_AndEveryRefusalIsAProblemDocument(string method, string url)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode < 500, $"{method} {url} answered {(int)response.StatusCode}: {body}");
        if ((int)response.StatusCode >= 400)
        {
            Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal); // no stack trace
        }
    }

    [Fact]
    public async Task Trace_OnATenantsPage_Is405WithTheMethodsItAllows()
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Trace, At("acme")));

        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
        Assert.Equal(405, (await response.ProblemAsync()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task UnknownPath_Is404ProblemDocument()
    {
        using var response = await _client.GetAsync(At("acme", "/no/such/page"));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(404, (await response.ProblemAsync()).GetProperty("status").GetInt32());
    }
}
