using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TenantKit.Benchmarks.Runtime;

/// <summary>
/// The registrations of a real ASP.NET Core app: <c>WebApplication.CreateBuilder()</c> defaults plus
/// <c>AddControllers()</c> (209 registrations), and what its first request resolves.
/// </summary>
public static class RealAppHost
{
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddControllers();
        return builder;
    }

    /// <summary>What a first controller request resolves from the request's services.</summary>
    public static void FirstRequest(IServiceProvider services)
    {
        _ = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Mvc.MvcOptions>>().Value;
        _ = services.GetRequiredService<ILogger<WeatherController>>();
        _ = services.GetRequiredService<Microsoft.AspNetCore.Mvc.Infrastructure.IActionResultExecutor<Microsoft.AspNetCore.Mvc.ObjectResult>>();
        _ = services.GetRequiredService<Microsoft.AspNetCore.Mvc.Infrastructure.IActionDescriptorCollectionProvider>();
        _ = services.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextFactory>();
    }

    public sealed class WeatherController;
}
