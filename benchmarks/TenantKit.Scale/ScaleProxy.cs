using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace TenantKit.Scale;

/// <summary>
/// A YARP reverse proxy (Kestrel on 127.0.0.1, a port the system chooses) in front of one server, as most production
/// deployments put one in front of the app: the client's connections end at the proxy, which forwards every request
/// over its own pool of connections to the server, keeping the client's <c>Host</c> header. So the server reads each
/// request's <c>Host</c> from a pooled connection that carries many hosts: a new string per request, not the same one
/// repeated as on a client's keep-alive connection. Started by the driver with <c>--proxy true</c>; stops when its
/// standard input closes.
/// </summary>
internal static class ScaleProxy
{
    public static async Task<int> RunAsync(string target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddReverseProxy().LoadFromMemory(
            [
                new RouteConfig
                {
                    RouteId = "all",
                    ClusterId = "server",
                    Match = new RouteMatch { Path = "{**catch-all}" },
                    // The server reads the tenant from the Host header: forward the client's, not the destination's.
                    Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
                },
            ],
            [
                new ClusterConfig
                {
                    ClusterId = "server",
                    Destinations = new Dictionary<string, DestinationConfig> { ["server"] = new() { Address = target } },
                },
            ]);

        await using var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await Console.Out.WriteLineAsync($"listening {address}");
        await Console.Out.FlushAsync();
        while (await Console.In.ReadLineAsync() is not null)
        {
        }

        await app.StopAsync();
        return 0;
    }
}
