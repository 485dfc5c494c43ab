using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace TenantKit.AspNetCore.Tests.Middleware;

/// <summary>
/// Thousands of generated hostile host names, paths and header values, sent past any client-side validation straight
/// into the pipeline: none may crash the request (500), and none may resolve to a tenant the input does not name.
/// </summary>
public class HostileInputTests
{
    private static readonly int[] AllowedStatuses = [200, 400, 403, 404, 405, 421];

    private static readonly string[] Junk =
    [
        " ", "\t", "\0", "%00", "%2e", "%2f", "@", "/", "\\", "..", ".", "*", "?", "#", ",", ";", "'", "\"", "<", ">", "\r\n", "\n",
        "\u200b", "\ufeff", "\u00ad", "\u0130", "\u0131", "\u212a", "\u202e", "ａ", "а", "с", "е", "\ud800", "💥", "_", "~", ":", "::",
        "-", "--", "xn--", "%", "+", "=", "&", "|", "`", "$", "{tenant}", "\u0000acme", "acme", "ACME", "globex",
    ];

    private static readonly string[] Bases = [.. TestApp.TenantIdentifiers, "nobody", "www", "admin", "a", new string('a', 63), new string('a', 64), "bücher", "BÜCHER", "xn--bcher-kva-", "a--b", "-acme", "acme-"];

    [Fact]
    public async Task HostileHostNames_NeverFailAndNeverResolveATenantTheyDoNotName()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard);
        var inputs = GenerateHosts(new Random(20261122)).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(inputs.Count >= 1000, $"Only {inputs.Count} distinct hosts were generated.");

        var failures = new Failures();
        foreach (var host in inputs)
        {
            var (status, tenant) = await SendAsync(app, c =>
            {
                c.Request.Headers.Host = host;
                c.Request.Path = "/whoami";
            });
            Check(failures, host, status, tenant, ReferenceHostIdentifier(host));
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
        Assert.True(failures.Resolved >= 10, $"Only {failures.Resolved} inputs resolved a tenant: the oracle was barely exercised.");
    }

    [Fact]
    public async Task HostilePaths_NeverFailAndNeverResolveATenantTheyDoNotName()
    {
        await using var app = await TestApp.StartAsync(b => b.WithPathBaseStrategy(), TestApp.Standard);
        var inputs = GeneratePathSegments(new Random(1122)).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(inputs.Count >= 500, $"Only {inputs.Count} distinct paths were generated.");

        var failures = new Failures();
        foreach (var segment in inputs)
        {
            var path = "/t/" + segment + "/whoami";
            var (status, tenant) = await SendAsync(app, c =>
            {
                c.Request.Host = new HostString("example.com");
                c.Request.Path = new PathString(path);
            });
            Check(failures, path, status, tenant, ReferencePathIdentifier(segment));
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
        Assert.True(failures.Resolved >= 10, $"Only {failures.Resolved} inputs resolved a tenant: the oracle was barely exercised.");
    }

    [Fact]
    public async Task HostileHeaderValues_NeverFailAndNeverResolveATenantTheyDoNotName()
    {
        await using var app = await TestApp.StartAsync(b => b.WithHeaderStrategy(), TestApp.Standard);
        var inputs = GeneratePathSegments(new Random(2211)).Concat(GenerateHosts(new Random(7))).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(inputs.Count >= 1000, $"Only {inputs.Count} distinct header values were generated.");

        var failures = new Failures();
        foreach (var value in inputs)
        {
            var (status, tenant) = await SendAsync(app, c =>
            {
                c.Request.Host = new HostString("example.com");
                c.Request.Path = "/whoami";
                c.Request.Headers["X-Tenant"] = value;
            });
            Check(failures, value, status, tenant, ReferenceLabel(value));
        }

        var (repeatedStatus, repeatedTenant) = await SendAsync(app, c =>
        {
            c.Request.Host = new HostString("example.com");
            c.Request.Path = "/whoami";
            c.Request.Headers["X-Tenant"] = new StringValues(["acme", "acme"]);
        });
        Assert.Equal(400, repeatedStatus);
        Assert.Null(repeatedTenant);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
        Assert.True(failures.Resolved >= 10, $"Only {failures.Resolved} inputs resolved a tenant: the oracle was barely exercised.");
    }

    private static void Check(Failures failures, string input, int status, string? tenant, string? expected)
    {
        if (tenant is not null)
        {
            failures.Resolved++;
        }

        var shown = JsonSerializer.Serialize(input);
        if (!AllowedStatuses.Contains(status))
        {
            failures.Add($"{shown}: status {status}");
        }
        else if (tenant is not null && tenant != expected)
        {
            failures.Add($"{shown}: resolved '{tenant}', expected '{expected ?? "(none)"}'");
        }
    }

    [Theory]
    [InlineData("xn--.example.com")]
    [InlineData("xn--zz-.example.com")]
    [InlineData("xn--bcher-kva.xn--.com")]
    public async Task MalformedPunycodeHost_IsRefusedNotCrashed(string host)
    {
        await using var app = await TestApp.StartAsync(b => b.WithHostStrategy("{tenant}.example.com"), TestApp.Standard);

        var (status, tenant) = await SendAsync(app, c =>
        {
            c.Request.Headers.Host = host;
            c.Request.Path = "/whoami";
        });

        Assert.Contains(status, AllowedStatuses);
        Assert.Null(tenant);
    }

    private static async Task<(int Status, string? Tenant)> SendAsync(WebApplication app, Action<HttpContext> configure)
    {
        var context = await app.GetTestServer().SendAsync(configure);
        string? tenant = null;
        if (context.Response.StatusCode == 200)
        {
            using var reader = new StreamReader(context.Response.Body);
            var body = await reader.ReadToEndAsync();
            tenant = JsonSerializer.Deserialize<Probe>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!.Tenant;
        }

        return (context.Response.StatusCode, tenant);
    }

    /// <summary>The tenant a host literally names, by a deliberately simple reading: the one answer allowed besides none.</summary>
    private static string? ReferenceHostIdentifier(string host)
    {
        var value = host;
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (!value[(colon + 1)..].All(char.IsAsciiDigit))
            {
                return null;
            }

            value = value[..colon];
        }

        if (value.EndsWith('.'))
        {
            value = value[..^1];
        }

        const string suffix = ".example.com";
        return value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? ReferenceLabel(value[..^suffix.Length]) : null;
    }

    private static string? ReferencePathIdentifier(string segment)
        => segment.Contains('/', StringComparison.Ordinal) ? ReferenceLabel(segment[..segment.IndexOf('/', StringComparison.Ordinal)]) : ReferenceLabel(segment);

    /// <summary>An ASCII DNS label names the tenant with that identifier (any case); the one Unicode name allowed is bücher.</summary>
    private static string? ReferenceLabel(string label)
    {
        if (label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && label[0] != '-' && label[^1] != '-')
        {
            return label.ToLowerInvariant();
        }

        try
        {
            return string.Equals(label.Normalize(NormalizationForm.FormC), "bücher", StringComparison.OrdinalIgnoreCase) ? "xn--bcher-kva" : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static IEnumerable<string> GenerateHosts(Random random)
    {
        string[] ports = ["", ":80", ":65535", ":0", ":", ":99999999999", ":-1", ":abc", "::", ":80:80", ": 80", ":８０"];
        string[] suffixes = [".example.com", ".EXAMPLE.COM", ".example.com.", ".example.com..", ".example.com.evil.com", ".example.comx", ".example", "example.com", ".example.com@evil.com", ".example.com%00.evil.com", ".example.com/x", ".example.com\\", ".ｅxample.com", ""];
        foreach (var b in Bases)
        {
            foreach (var suffix in suffixes)
            {
                foreach (var port in ports)
                {
                    yield return b + suffix + port;
                }
            }
        }

        for (var i = 0; i < 800; i++)
        {
            var label = Mutate(random, Bases[random.Next(Bases.Length)]);
            yield return label + suffixes[random.Next(suffixes.Length)] + ports[random.Next(ports.Length)];
        }

        yield return new string('a', 10_000) + ".example.com";
        yield return string.Concat(Enumerable.Repeat("a.", 200)) + "example.com";
        yield return "[::1]:443";
        yield return "[acme.example.com]";
        yield return "acme.example.com]";
        yield return ".";
        yield return ":";
        yield return string.Empty;
    }

    private static IEnumerable<string> GeneratePathSegments(Random random)
    {
        foreach (var b in Bases)
        {
            yield return b;
            yield return b.ToUpperInvariant();
            foreach (var junk in Junk)
            {
                yield return b + junk;
                yield return junk + b;
            }
        }

        for (var i = 0; i < 300; i++)
        {
            yield return Mutate(random, Bases[random.Next(Bases.Length)]);
        }
    }

    private static string Mutate(Random random, string value)
    {
        var builder = new StringBuilder(value);
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            switch (random.Next(4))
            {
                case 0:
                    builder.Insert(random.Next(builder.Length + 1), Junk[random.Next(Junk.Length)]);
                    break;
                case 1 when builder.Length > 0:
                    var at = random.Next(builder.Length);
                    builder[at] = random.Next(2) == 0 ? char.ToUpperInvariant(builder[at]) : (char)random.Next(0x20, 0x250);
                    break;
                case 2 when builder.Length > 0:
                    builder.Remove(random.Next(builder.Length), 1);
                    break;
                default:
                    builder.Append(random.Next(10).ToString(CultureInfo.InvariantCulture));
                    break;
            }
        }

        return builder.ToString();
    }

    private sealed class Failures : List<string>
    {
        public int Resolved { get; set; }
    }
}
