using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace TenantKit.Yarp.Tests.Proxy;

/// <summary>An in-process stand-in for a node on Kestrel (127.0.0.1): answers its name and the Host it was asked for.</summary>
public sealed class Backend : IAsyncDisposable
{
    private WebApplication? _app;

    private Backend(string name) => Name = name;

    public string Name { get; }

    public string Address { get; private set; } = string.Empty;

    public int Served;

    /// <summary>When set, every request's connection is reset before an answer (the request reached the node).</summary>
    public bool DropsConnections { get; set; }

    public static async Task<Backend> StartAsync(string name)
    {
        var backend = new Backend(name);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/health", () => "ok");
        app.MapFallback((HttpContext http) =>
        {
            if (backend.DropsConnections)
            {
                // A node dying under the request: the connection is reset before any answer.
                http.Abort();
                return string.Empty;
            }

            Interlocked.Increment(ref backend.Served);
            return $"{name}|{http.Request.Host.Value}";
        });
        await app.StartAsync();
        backend._app = app;
        backend.Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return backend;
    }

    /// <summary>Stops listening: connections to it are refused from now on.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(new CancellationToken(canceled: true));
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
