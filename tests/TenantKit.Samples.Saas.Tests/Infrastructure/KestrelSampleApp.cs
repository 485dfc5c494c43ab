using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Samples.Saas.Tests.Infrastructure;

/// <summary>The sample on Kestrel, on 127.0.0.1 and a free port, for a real browser.</summary>
public sealed class KestrelSampleApp : SampleApp
{
    public KestrelSampleApp(IDictionary<string, string?>? settings = null)
        : base(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Urls"] = "http://127.0.0.1:0" })
    {
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Port = new Uri(address).Port;
    }

    /// <summary>The port Kestrel listens on.</summary>
    public int Port { get; }

    /// <summary>The bare host name: the host console.</summary>
    public string HostRoot => $"http://localhost:{Port}";

    /// <summary>A tenant's home by host name (Chromium resolves <c>*.localhost</c> to this machine itself).</summary>
    public string TenantRoot(string tenant) => $"http://{tenant}.localhost:{Port}/";
}
