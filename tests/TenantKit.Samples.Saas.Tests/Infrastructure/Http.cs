using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TenantKit.Samples.Saas.Tests.Infrastructure;

/// <summary>Requests as a browser makes them: pages by URL, forms posted with their antiforgery token.</summary>
public static partial class Http
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>A tenant's address by host name (the test server answers any host).</summary>
    public static string At(string tenant, string path = "/") => $"http://{tenant}.localhost{path}";

    /// <summary>An address on the bare host name.</summary>
    public static string Host(string path = "/") => $"http://localhost{path}";

    public static async Task<(HttpStatusCode Status, string Html)> PageAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Gets the page, asserting 200, and returns its HTML.</summary>
    public static async Task<string> HtmlAsync(this HttpClient client, string url)
    {
        var (status, html) = await client.PageAsync(url);
        Assert.True(status == HttpStatusCode.OK, $"GET {url} answered {(int)status}: {html}");
        return html;
    }

    /// <summary>Gets <paramref name="formPage"/> for its antiforgery token, then posts <paramref name="fields"/> to <paramref name="action"/>.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string formPage, string action, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var html = await client.HtmlAsync(formPage);
        var form = new List<KeyValuePair<string, string>>(fields) { new("__RequestVerificationToken", Token(html)) };
        return await client.PostAsync(action, new FormUrlEncodedContent(form));
    }

    public static Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string formPage, string action, params (string Name, string Value)[] fields)
        => client.PostFormAsync(formPage, action, fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    public static string Token(string html)
    {
        var match = TokenField().Match(html);
        Assert.True(match.Success, "The page has no antiforgery token: " + html);
        return match.Groups[1].Value;
    }

    /// <summary>Reads a problem document, asserting its content type.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The text of the first element carrying <c>data-field="<paramref name="field"/>"</c> (in the row of <paramref name="tenant"/> when given).</summary>
    public static string? Field(string html, string field, string? tenant = null)
    {
        if (tenant is not null)
        {
            var row = Regex.Match(html, $"<tr data-tenant=\"{Regex.Escape(tenant)}\">(.*?)</tr>", RegexOptions.Singleline);
            if (!row.Success)
            {
                return null;
            }

            html = row.Groups[1].Value;
        }

        var match = Regex.Match(html, $"data-field=\"{Regex.Escape(field)}\"[^>]*>(.*?)<", RegexOptions.Singleline);
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value.Trim()) : null;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
