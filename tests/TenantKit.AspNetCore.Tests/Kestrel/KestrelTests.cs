using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TenantKit.AspNetCore.Tests.Middleware;

namespace TenantKit.AspNetCore.Tests.Kestrel;

/// <summary>The same behaviours over a real socket: Kestrel on 127.0.0.1, a real HTTP client, Host headers set by hand.</summary>
public class KestrelTests
{
    [Fact]
    public async Task TwoTenants_OverKestrel_GetTheirOwnServices_AndShareHostSingletons()
    {
        await using var app = await StartAsync(TestApp.Standard);
        using var client = new HttpClient { BaseAddress = Address(app) };

        var acme = await GetProbeAsync(client, "acme.example.com");
        var globex = await GetProbeAsync(client, "GLOBEX.example.com.");

        Assert.Equal("acme", acme.Tenant);
        Assert.Equal("globex", globex.Tenant);
        Assert.NotEqual(acme.TenantCounter, globex.TenantCounter);
        Assert.Equal(acme.HostClock, globex.HostClock);
        Assert.Equal("Hello from Globex", globex.Greeting);
    }

    [Fact]
    public async Task KeepAliveConnection_OverKestrel_HandsEveryRequestTheSameHostString()
    {
        // What the resolver's recall rests on: Kestrel reuses a header's string while a connection repeats its bytes,
        // so the tenant of a keep-alive connection is recalled by reference instead of parsed and looked up again.
        var hosts = new List<string>();
        await using var app = await StartAsync(app =>
        {
            app.UseTenantKit();
            app.MapGet("/host", (HttpContext context) =>
            {
                lock (hosts)
                {
                    hosts.Add(context.Request.Headers.Host.ToString());
                }

                return context.GetTenant()?.Identifier;
            });
        });
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = Address(app) };

        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/host");
            request.Headers.Host = "acme.example.com";
            using var response = await client.SendAsync(request);
            Assert.Equal("acme", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(3, hosts.Count);
        Assert.Same(hosts[0], hosts[1]);
        Assert.Same(hosts[1], hosts[2]);
    }

    [Fact]
    public async Task UnknownTenant_OverKestrel_IsAProblemDocument()
    {
        await using var app = await StartAsync(TestApp.Standard);
        using var client = new HttpClient { BaseAddress = Address(app) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Host = "nobody.example.com";

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(TenantProblemTypes.TenantNotFound, (await response.ReadProblemAsync()).Type);
    }

    [Fact]
    public async Task AbortedConnection_OverKestrel_ReleasesTheLease()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await StartAsync(app =>
        {
            app.UseTenantKit();
            app.MapGet("/slow", async (HttpContext context) =>
            {
                entered.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            });
        });
        using var client = new HttpClient { BaseAddress = Address(app) };
        using var abort = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/slow");
        request.Headers.Host = "acme.example.com";

        var sending = client.SendAsync(request, abort.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, app.Runtime().Counts.LeasesOut);
        await abort.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        await TenantLifetimeTests.WaitForAsync(() => app.Runtime().Counts.LeasesOut == 0);
    }

    [Fact]
    public async Task PathBase_OverKestrel_IsRebased()
    {
        await using var app = await StartAsync(app =>
        {
            app.UseTenantKit();
            TestApp.MapProbe(app, "/orders");
        }, b => b.WithPathBaseStrategy());
        using var client = new HttpClient { BaseAddress = Address(app) };

        var probe = await client.GetFromJsonAsync<Probe>("/t/initech/orders");

        Assert.Equal("initech", probe!.Tenant);
        Assert.Equal("/t/initech", probe.PathBase);
    }

    [Theory]
    [InlineData("acme.example.com", "acme")]
    [InlineData("acme.example.com:1", "acme")]
    [InlineData("xn--bcher-kva.example.com", "xn--bcher-kva")]
    [InlineData("acme.example.com.evil.com", null)]
    [InlineData("acme_.example.com", null)]
    [InlineData("acme.example.com:99999", "acme")]
    [InlineData("acme .example.com", null)]
    [InlineData("acme.example.com\u00ff", null)]
    [InlineData("%61cme.example.com", null)]
    [InlineData("xn--.example.com", null)]
    [InlineData("[::1]:80", null)]
    [InlineData("", null)]
    public async Task RawHostHeaders_OverKestrel_NeverFailAndNeverResolveTheWrongTenant(string host, string? expected)
    {
        await using var app = await StartAsync(TestApp.Standard);
        var endpoint = Address(app);

        var (status, body) = await SendRawAsync(endpoint, host);

        Assert.NotEqual(500, status);
        Assert.Contains(status, new[] { 200, 400, 404 });
        if (expected is not null)
        {
            Assert.Equal(200, status);
            Assert.Contains($"\"tenant\":\"{expected}\"", body, StringComparison.Ordinal);
        }
        else if (status == 200)
        {
            Assert.Contains("\"tenant\":null", body, StringComparison.Ordinal);
        }
    }

    private static async Task<(int Status, string Body)> SendRawAsync(Uri endpoint, string host)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(endpoint.Host, endpoint.Port);
        var stream = socket.GetStream();
        var request = Encoding.Latin1.GetBytes($"GET /whoami HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(request);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        return (status, response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    private static Task<WebApplication> StartAsync(Action<WebApplication> pipeline, Action<TenantKitBuilder>? tenancy = null)
        => TestApp.StartAsync(tenancy ?? (b => b.WithHostStrategy("{tenant}.example.com")), pipeline, kestrel: true);

    private static Uri Address(WebApplication app)
        => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    private static async Task<Probe> GetProbeAsync(HttpClient client, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Host = host;
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Probe>())!;
    }
}
