using System.Text.Json;
using TenantKit.Yarp.Routing;

namespace TenantKit.Yarp.Tests.Proxy;

/// <summary>A real YARP proxy on Kestrel in front of three in-process backends, the policy and pipeline step in place.</summary>
public sealed class ProxyRoutingTests : IAsyncLifetime
{
    private static readonly Action<TenantKitBuilder> Hosts = tenants => tenants.WithHostStrategy("{tenant}.example.com");
    private readonly List<Backend> _backends = [];
    private TestProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        foreach (var name in new[] { "a", "b", "c" })
        {
            _backends.Add(await Backend.StartAsync(name));
        }

        var (routes, clusters) = TestProxy.OneCluster(_backends.ToDictionary(b => b.Name, b => b.Address));
        _proxy = await TestProxy.StartAsync(routes, clusters, Hosts);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task EachTenantGoesToItsRendezvousChoice_EveryTime_WithItsHostKept()
    {
        string[] ids = ["a", "b", "c"];
        for (var i = 0; i < 60; i++)
        {
            var tenant = $"t{i}";
            var expected = ids[AffinityChooser.Choose(RendezvousHash.Of(tenant), 3, j => ids[j], _ => 0, 0.25, 16)];
            for (var repeat = 0; repeat < 2; repeat++)
            {
                var (status, body, _) = await _proxy.GetAsync($"{tenant.ToUpperInvariant()}.example.com:8080");
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal($"{expected}|{tenant.ToUpperInvariant()}.example.com:8080", body);
            }
        }

        Assert.All(_backends, b => Assert.True(b.Served > 0, $"{b.Name} served nothing"));
    }

    [Theory]
    [InlineData("ac_me.example.com")]
    [InlineData("-acme.example.com")]
    [InlineData("toolongtoolongtoolongtoolongtoolongtoolongtoolongtoolongtoolongtoolong.example.com")]
    public async Task MalformedIdentifier_IsAnswered400ProblemAtTheProxy_NoNodeAsked(string host)
    {
        var (status, body, contentType) = await _proxy.GetAsync(host);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal("https://tenantkit.dev/problems/invalid-tenant-identifier", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
        Assert.All(_backends, b => Assert.Equal(0, b.Served));
    }

    [Fact]
    public async Task RequestNamingNoTenant_IsServed()
    {
        var (status, body, _) = await _proxy.GetAsync("example.com");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.EndsWith("|example.com", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DestinationStopped_ItsTenantsAreServedByTheirNextChoiceAtOnce_NoRequestFails()
    {
        string[] ids = ["a", "b", "c"];
        var tenants = Enumerable.Range(0, 30).Select(i => $"t{i}").ToArray();
        var victim = _backends[0];
        var owned = tenants.Where(t => ids[AffinityChooser.Choose(RendezvousHash.Of(t), 3, j => ids[j], _ => 0, 0.25, 16)] == victim.Name).ToArray();
        Assert.NotEmpty(owned);
        foreach (var tenant in owned)
        {
            Assert.StartsWith("a|", (await _proxy.GetAsync($"{tenant}.example.com")).Body, StringComparison.Ordinal);
        }

        await victim.StopAsync();

        string[] survivors = ["b", "c"];
        foreach (var tenant in owned)
        {
            var (status, body, _) = await _proxy.GetAsync($"{tenant}.example.com");
            var next = survivors[AffinityChooser.Choose(RendezvousHash.Of(tenant), 2, j => survivors[j], _ => 0, 0.25, 16)];
            Assert.True(status == HttpStatusCode.OK, $"{tenant}: {(int)status} {body}");
            Assert.StartsWith($"{next}|", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConnectionResetBeforeAnAnswer_BodilessGetIsSentToTheNextChoice()
    {
        var (tenant, next) = OwnedByA();
        _backends[0].DropsConnections = true;

        var (status, body, _) = await _proxy.GetAsync($"{tenant}.example.com");

        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body}\n{_proxy.Log}");
        Assert.Equal($"{next}|{tenant}.example.com", body);
        Assert.Contains(_proxy.Log.Entries, e => e.Contains("[8001]", StringComparison.Ordinal) && e.Contains("failed before answering", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConnectionResetBeforeAnAnswer_PostWithABodyIsNotSentAgain_502()
    {
        var (tenant, _) = OwnedByA();
        _backends[0].DropsConnections = true;

        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new StringContent("{\"item\":1}") };
        request.Headers.Host = $"{tenant}.example.com";
        using var response = await _proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.All(_backends, b => Assert.Equal(0, b.Served));
        Assert.DoesNotContain(_proxy.Log.Entries, e => e.Contains("[8001]", StringComparison.Ordinal));
    }

    /// <summary>A tenant whose first choice is a, and its choice among b and c.</summary>
    private static (string Tenant, string Next) OwnedByA()
    {
        string[] ids = ["a", "b", "c"];
        string[] survivors = ["b", "c"];
        var tenant = Enumerable.Range(0, 100).Select(i => $"t{i}").First(t => ids[AffinityChooser.Choose(RendezvousHash.Of(t), 3, j => ids[j], _ => 0, 0.25, 16)] == "a");
        return (tenant, survivors[AffinityChooser.Choose(RendezvousHash.Of(tenant), 2, j => survivors[j], _ => 0, 0.25, 16)]);
    }
}
