using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using TenantKit.Samples.Saas.Data;
using TenantKit.Runtime;

namespace TenantKit.Samples.Saas.Hosting;

/// <summary>Prints where to go once the server listens.</summary>
public static class StartupBanner
{
    public static void Print(IServiceProvider services)
    {
        if (Compose(services) is { } banner)
        {
            Console.Out.WriteLine(banner);
        }
    }

    /// <summary>The banner, or <see langword="null"/> when the server has no address.</summary>
    public static string? Compose(IServiceProvider services)
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.Select(a => Uri.TryCreate(a, UriKind.Absolute, out var uri) ? uri : null).FirstOrDefault(u => u is not null);
        if (first is null)
        {
            return null;
        }

        var port = first.IsDefaultPort ? string.Empty : ":" + first.Port.ToString(CultureInfo.InvariantCulture);
        var root = $"{first.Scheme}://localhost{port}";
        var database = services.GetRequiredService<SampleDatabase>();
        var account = services.GetRequiredService<IOptions<SampleOptions>>().Value.Host;
        var idle = services.GetRequiredService<IOptions<TenantRuntimeOptions>>().Value.IdleTimeout;
        string[] lines =
        [
            string.Empty,
            "TenantKit sample SaaS is running. Data: " + database.Description,
            $"  Host console   {root}/console   (user '{account.UserName}', password from Sample:Host:Password in appsettings.json)",
            $"  Tenants        {first.Scheme}://acme.localhost{port}/   {first.Scheme}://globex.localhost{port}/",
            $"  Path fallback  {root}/t/acme/   {root}/t/globex/",
            idle == Timeout.InfiniteTimeSpan ? "  Idle tenants stay in memory." : $"  Idle tenants leave memory after {Durations.Format(idle)} (TenantKit:Runtime:IdleTimeout).",
            "  Press Ctrl+C to stop.",
            string.Empty,
        ];
        return string.Join(Environment.NewLine, lines);
    }
}
