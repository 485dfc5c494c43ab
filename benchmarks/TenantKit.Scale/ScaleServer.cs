using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantKit.Runtime;

namespace TenantKit.Scale;

/// <summary>
/// The app under load, in one of two variants that share endpoints and services: <c>bare</c> (one tenant-less
/// container) and <c>tenantkit</c> (host strategy <c>{tenant}.example.test</c>, a catalog of <c>--tenants</c>, the
/// runtime capped at <c>--capacity</c> resident). Binds 127.0.0.1:0, prints <c>listening URL</c>, and stops when its
/// standard input closes (the driver ends or dies).
/// </summary>
public static class ScaleServer
{
    private static long s_requests;

    /// <summary>Runs the server until standard input closes.</summary>
    public static async Task<int> RunAsync(ScaleOptions options)
    {
        var tenantKit = options.Variant switch
        {
            "bare" => false,
            "tenantkit" => true,
            _ => throw new ArgumentException($"Unknown variant {options.Variant}."),
        };

        if (options.DisableDynamicDi)
        {
            AppContext.SetSwitch("Microsoft.Extensions.DependencyInjection.DisableDynamicEngine", true);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        AddTemplate(builder.Services);
        builder.Services.Configure<ShopOptions>(o => o.Name = "bare");
        if (tenantKit)
        {
            var drafts = new TenantDraft[options.Tenants];
            for (var i = 0; i < drafts.Length; i++)
            {
                drafts[i] = new TenantDraft(string.Create(CultureInfo.InvariantCulture, $"t{i}")) { Id = string.Create(CultureInfo.InvariantCulture, $"id-{i}") };
            }

            builder.Services.AddTenantKit(t => t
                .WithInMemoryStore(drafts)
                .WithHostStrategy("{tenant}.example.test")
                .ConfigureRuntime(r => r.Capacity = options.Capacity)
                .ConfigureTenantOptions<ShopOptions>((tenant, o) =>
                {
                    o.Name = tenant.Identifier;
                    o.Currency = tenant.Id.Length % 2 == 0 ? "EUR" : "USD";
                }));
        }

        var app = builder.Build();
        if (tenantKit)
        {
            app.UseTenantKit();
        }

        app.MapGet("/work", static (RequestHandler handler) =>
        {
            Interlocked.Increment(ref s_requests);
            return handler.Handle();
        });
        var runtime = tenantKit ? app.Services.GetRequiredService<ITenantRuntime>() : null;
        app.MapGet("/_stats", () => Stats(runtime)).ExcludeFromTenantResolution();

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.Out.WriteLine($"listening {address}");
        Console.Out.Flush();

        // Stop when the driver closes our input (or dies).
        await Task.Run(() =>
        {
            while (Console.In.ReadLine() is not null)
            {
            }
        });
        await app.StopAsync();
        await app.DisposeAsync();
        return 0;
    }

    /// <summary>
    /// One line of server-side metrics: requests served, allocated bytes, working set, managed heap, GC counts, the
    /// runtime's counts (zero for the bare variant), and the memory the GC has committed as of its last collection.
    /// </summary>
    private static string Stats(ITenantRuntime? runtime)
    {
        var counts = runtime?.Counts ?? default;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Interlocked.Read(ref s_requests)},{GC.GetTotalAllocatedBytes(precise: false)},{Environment.WorkingSet},{GC.GetTotalMemory(forceFullCollection: false)},{GC.CollectionCount(0)},{GC.CollectionCount(1)},{GC.CollectionCount(2)},{counts.Resident},{counts.Building},{counts.Draining},{counts.Builds},{counts.Unloads},{counts.FailedBuilds},{GC.GetGCMemoryInfo().TotalCommittedBytes},{GC.GetTotalPauseDuration().Ticks}");
    }

    /// <summary>The app's own registrations: a few dozen services of every lifetime, options and a memory cache.</summary>
    private static void AddTemplate(IServiceCollection services)
    {
        services.AddMemoryCache();
        services.AddOptions<ShopOptions>();
        services.AddScoped<RequestHandler>();
        services.AddSingleton<Part<M00>>();
        services.AddSingleton<Part<M01>>();
        services.AddSingleton<Part<M02>>();
        services.AddSingleton<Part<M03>>();
        services.AddSingleton<Part<M04>>();
        services.AddSingleton<Part<M05>>();
        services.AddSingleton<Part<M06>>();
        services.AddSingleton<Part<M07>>();
        services.AddSingleton<Part<M08>>();
        services.AddSingleton<Part<M09>>();
        services.AddScoped<Part<M10>>();
        services.AddScoped<Part<M11>>();
        services.AddScoped<Part<M12>>();
        services.AddScoped<Part<M13>>();
        services.AddScoped<Part<M14>>();
        services.AddScoped<Part<M15>>();
        services.AddScoped<Part<M16>>();
        services.AddScoped<Part<M17>>();
        services.AddScoped<Part<M18>>();
        services.AddScoped<Part<M19>>();
        services.AddTransient<Part<M20>>();
        services.AddTransient<Part<M21>>();
        services.AddTransient<Part<M22>>();
        services.AddTransient<Part<M23>>();
        services.AddTransient<Part<M24>>();
        services.AddTransient<Part<M25>>();
        services.AddTransient<Part<M26>>();
        services.AddTransient<Part<M27>>();
        services.AddTransient<Part<M28>>();
        services.AddTransient<Part<M29>>();
        services.AddScoped<Repository>();
        services.AddScoped<PriceCalculator>();
        services.AddSingleton<Clock>();
    }
}

/// <summary>Per-tenant options (the tenant's name and currency).</summary>
public sealed class ShopOptions
{
    /// <summary>Who the response is for: the tenant's identifier, or <c>bare</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>A second option, so binding does some work.</summary>
    public string Currency { get; set; } = "EUR";
}

/// <summary>What the endpoint resolves: a scoped service with dependencies of every lifetime, options and the cache.</summary>
public sealed class RequestHandler(
    IOptions<ShopOptions> options,
    IMemoryCache cache,
    Repository repository,
    PriceCalculator prices,
    Part<M01> singleton,
    Part<M12> scoped,
    Part<M23> transient,
    ILogger<RequestHandler> logger)
{
    private static readonly string[] s_keys = [.. Enumerable.Range(0, 16).Select(i => string.Create(CultureInfo.InvariantCulture, $"item:{i}"))];
    private static int s_next;

    /// <summary>Reads an item through the tenant's memory cache and answers <c>name|price</c>.</summary>
    public string Handle()
    {
        _ = singleton;
        _ = scoped;
        _ = transient;
        var key = s_keys[Interlocked.Increment(ref s_next) & 15];
        var item = cache.GetOrCreate(key, entry =>
        {
            entry.SlidingExpiration = TimeSpan.FromMinutes(5);
            return repository.Load(key);
        })!;
        if (logger.IsEnabled(LogLevel.Trace))
        {
            logger.LogTrace("Served {Key}", key);
        }

        var value = options.Value;
        return string.Concat(value.Name, "|", prices.Format(item, value.Currency));
    }
}

/// <summary>A cached item.</summary>
public sealed record Item(string Key, decimal Price);

/// <summary>The data source the cache fronts.</summary>
public sealed class Repository(Clock clock)
{
    /// <summary>Loads an item.</summary>
    public Item Load(string key) => new(key, 10m + (key.Length % 7) + (clock.Ticks % 3));
}

/// <summary>Formats prices.</summary>
public sealed class PriceCalculator(Part<M02> rules)
{
    /// <summary>Formats the item's price.</summary>
    public string Format(Item item, string currency)
    {
        _ = rules;
        return string.Create(CultureInfo.InvariantCulture, $"{item.Price:0.00} {currency}");
    }
}

/// <summary>A singleton clock.</summary>
public sealed class Clock
{
    /// <summary>Ticks of the process's monotonic clock.</summary>
    public long Ticks => Environment.TickCount64;
}

/// <summary>One of the template's services; <typeparamref name="T"/> only makes each a distinct type.</summary>
public sealed class Part<T>
{
    /// <summary>Some state, so each instance is a real object.</summary>
    public Guid Id { get; } = Guid.NewGuid();
}

/// <summary>Marker.</summary>
public sealed class M00;

/// <summary>Marker.</summary>
public sealed class M01;

/// <summary>Marker.</summary>
public sealed class M02;

/// <summary>Marker.</summary>
public sealed class M03;

/// <summary>Marker.</summary>
public sealed class M04;

/// <summary>Marker.</summary>
public sealed class M05;

/// <summary>Marker.</summary>
public sealed class M06;

/// <summary>Marker.</summary>
public sealed class M07;

/// <summary>Marker.</summary>
public sealed class M08;

/// <summary>Marker.</summary>
public sealed class M09;

/// <summary>Marker.</summary>
public sealed class M10;

/// <summary>Marker.</summary>
public sealed class M11;

/// <summary>Marker.</summary>
public sealed class M12;

/// <summary>Marker.</summary>
public sealed class M13;

/// <summary>Marker.</summary>
public sealed class M14;

/// <summary>Marker.</summary>
public sealed class M15;

/// <summary>Marker.</summary>
public sealed class M16;

/// <summary>Marker.</summary>
public sealed class M17;

/// <summary>Marker.</summary>
public sealed class M18;

/// <summary>Marker.</summary>
public sealed class M19;

/// <summary>Marker.</summary>
public sealed class M20;

/// <summary>Marker.</summary>
public sealed class M21;

/// <summary>Marker.</summary>
public sealed class M22;

/// <summary>Marker.</summary>
public sealed class M23;

/// <summary>Marker.</summary>
public sealed class M24;

/// <summary>Marker.</summary>
public sealed class M25;

/// <summary>Marker.</summary>
public sealed class M26;

/// <summary>Marker.</summary>
public sealed class M27;

/// <summary>Marker.</summary>
public sealed class M28;

/// <summary>Marker.</summary>
public sealed class M29;

