using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TenantKit.AspNetCore.Problems;
using TenantKit.Features;
using static TenantKit.AspNetCore.Administration.AdministrationRequestReader;

namespace TenantKit.AspNetCore.Administration;

/// <summary>
/// The handlers behind <c>MapTenantAdministration</c>. Each runs inside an explicit host scope, so the administration
/// service's own host check holds too, and maps TenantKit's typed errors to problem documents.
/// </summary>
internal static class TenantAdministrationEndpoints
{
    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet(string.Empty, (RequestDelegate)ListAsync).WithName("TenantKit.ListTenants");
        group.MapPost(string.Empty, (RequestDelegate)CreateAsync).WithName("TenantKit.CreateTenant");
        group.MapGet("/{id}", (RequestDelegate)GetAsync).WithName("TenantKit.GetTenant");
        group.MapMethods("/{id}", [HttpMethods.Patch], (RequestDelegate)UpdateAsync).WithName("TenantKit.UpdateTenant");
        group.MapDelete("/{id}", (RequestDelegate)DeleteAsync).WithName("TenantKit.DeleteTenant");
        group.MapPost("/{id}/suspend", (RequestDelegate)SuspendAsync).WithName("TenantKit.SuspendTenant");
        group.MapPost("/{id}/resume", (RequestDelegate)ResumeAsync).WithName("TenantKit.ResumeTenant");
        group.MapPost("/{id}/reload", (RequestDelegate)ReloadAsync).WithName("TenantKit.ReloadTenant");
        group.MapPost("/{id}/unload", (RequestDelegate)UnloadAsync).WithName("TenantKit.UnloadTenant");
        group.MapPost("/{id}/load", (RequestDelegate)LoadAsync).WithName("TenantKit.LoadTenant");
        group.MapPut("/{id}/features/{feature}", (RequestDelegate)EnableFeatureAsync).WithName("TenantKit.EnableTenantFeature");
        group.MapDelete("/{id}/features/{feature}", (RequestDelegate)DisableFeatureAsync).WithName("TenantKit.DisableTenantFeature");
        group.MapPut("/{id}/plan", (RequestDelegate)SetPlanAsync).WithName("TenantKit.SetTenantPlan");
    }

    private static Task EnableFeatureAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var (ok, expected) = await host.ExpectedVersionAsync(context, required: false).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        var query = context.Request.Query;
        var enableDependencies = false;
        if (query.TryGetValue("enableDependencies", out var flag) && !bool.TryParse(flag.ToString(), out enableDependencies))
        {
            await TenantProblems.WriteValidationAsync(context, new Dictionary<string, string[]> { ["enableDependencies"] = ["must be 'true' or 'false'."] }, "The query is invalid.").ConfigureAwait(false);
            return;
        }

        var tenant = await Features(context).EnableFeatureAsync(Id(context), Feature(context), expected, enableDependencies, context.RequestAborted).ConfigureAwait(false);
        await WriteTenantAsync(context, host, tenant, StatusCodes.Status200OK).ConfigureAwait(false);
    });

    private static Task DisableFeatureAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var (ok, expected) = await host.ExpectedVersionAsync(context, required: false).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        var tenant = await Features(context).DisableFeatureAsync(Id(context), Feature(context), expected, context.RequestAborted).ConfigureAwait(false);
        await WriteTenantAsync(context, host, tenant, StatusCodes.Status200OK).ConfigureAwait(false);
    });

    private static Task SetPlanAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var (ok, expected) = await host.ExpectedVersionAsync(context, required: false).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        var body = await ReadBodyAsync(context, AdministrationJsonContext.Default.SetPlanRequest).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        var tenant = await Features(context).SetPlanAsync(Id(context), body.Plan, expected, context.RequestAborted).ConfigureAwait(false);
        await WriteTenantAsync(context, host, tenant, StatusCodes.Status200OK).ConfigureAwait(false);
    });

    private static ITenantFeatureAdministration Features(HttpContext context) => context.RequestServices.GetRequiredService<ITenantFeatureAdministration>();

    private static string Feature(HttpContext context) => context.Request.RouteValues["feature"] as string ?? string.Empty;

    private static Task ListAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var query = context.Request.Query;
        var skip = ReadInt(query, "skip", 0, 0, int.MaxValue, errors);
        var take = ReadInt(query, "take", 100, 1, TenantQuery.MaxTake, errors);
        TenantState? state = null;
        if (query.TryGetValue("state", out var stateText))
        {
            if (TryParseState(stateText.ToString(), out var parsed))
            {
                state = parsed;
            }
            else
            {
                errors["state"] = ["must be 'active' or 'suspended'."];
            }
        }

        if (errors.Count > 0)
        {
            await TenantProblems.WriteValidationAsync(context, errors, "The query is invalid.").ConfigureAwait(false);
            return;
        }

        var page = await host.Administration.ListAsync(
            new TenantQuery
            {
                Skip = skip,
                Take = take,
                State = state,
                Owner = Optional(query, "owner"),
                Region = Optional(query, "region"),
                Search = Optional(query, "search"),
            },
            context.RequestAborted).ConfigureAwait(false);
        var items = new List<TenantResource>(page.Items.Count);
        foreach (var tenant in page.Items)
        {
            items.Add(TenantResource.From(tenant, host.Runtime.GetStatus(tenant.Id)));
        }

        await context.Response.WriteAsJsonAsync(new TenantListResource(items, page.TotalCount, skip, take), AdministrationJsonContext.Default.TenantListResource, contentType: null, context.RequestAborted).ConfigureAwait(false);
    });

    private static Task GetAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var tenant = await host.RequireAsync(context).ConfigureAwait(false);
        await WriteTenantAsync(context, host, tenant, StatusCodes.Status200OK).ConfigureAwait(false);
    });

    private static Task CreateAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var body = await ReadBodyAsync(context, AdministrationJsonContext.Default.CreateTenantRequest).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        var state = TenantState.Active;
        if (body.State is not null && !TryParseState(body.State, out state))
        {
            await TenantProblems.WriteValidationAsync(context, new Dictionary<string, string[]> { ["state"] = ["must be 'active' or 'suspended'."] }, "The tenant data is invalid.").ConfigureAwait(false);
            return;
        }

        var created = await host.Administration.CreateAsync(
            new TenantDraft(body.Identifier!)
            {
                Id = body.Id,
                Name = body.Name,
                State = state,
                Region = body.Region,
                Owner = body.Owner,
                Properties = body.Properties,
            },
            context.RequestAborted).ConfigureAwait(false);
        var request = context.Request;
        context.Response.Headers.Location = $"{request.PathBase}{request.Path.Value?.TrimEnd('/')}/{Uri.EscapeDataString(created.Id)}";
        await WriteTenantAsync(context, host, created, StatusCodes.Status201Created).ConfigureAwait(false);
    });

    private static Task UpdateAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var (ok, expected) = await host.ExpectedVersionAsync(context, required: true).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        var body = await ReadBodyAsync(context, AdministrationJsonContext.Default.UpdateTenantRequest).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        var updated = await host.Administration.UpdateAsync(
            Id(context),
            new TenantUpdate { Identifier = body.Identifier, Name = body.Name, Region = body.Region, Owner = body.Owner, Properties = body.Properties },
            expected!.Value,
            context.RequestAborted).ConfigureAwait(false);
        await WriteTenantAsync(context, host, updated, StatusCodes.Status200OK).ConfigureAwait(false);
    });

    private static Task DeleteAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var (ok, expected) = await host.ExpectedVersionAsync(context, required: true).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        await host.Administration.DeleteAsync(Id(context), expected!.Value, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    });

    private static Task SuspendAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var (ok, expected) = await host.ExpectedVersionAsync(context, required: false).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        var tenant = await host.Administration.SuspendAsync(Id(context), expected, context.RequestAborted).ConfigureAwait(false);
        await WriteTenantAsync(context, host, tenant, StatusCodes.Status200OK).ConfigureAwait(false);
    });

    private static Task ResumeAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var (ok, expected) = await host.ExpectedVersionAsync(context, required: false).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        var tenant = await host.Administration.ResumeAsync(Id(context), expected, context.RequestAborted).ConfigureAwait(false);
        await WriteTenantAsync(context, host, tenant, StatusCodes.Status200OK).ConfigureAwait(false);
    });

    private static Task ReloadAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var tenant = await host.RequireAsync(context).ConfigureAwait(false);
        await host.Administration.RequestReloadAsync(tenant.Id, context.RequestAborted).ConfigureAwait(false);
        await WriteTenantAsync(context, host, tenant, StatusCodes.Status202Accepted).ConfigureAwait(false);
    });

    private static Task UnloadAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var tenant = await host.RequireAsync(context).ConfigureAwait(false);
        host.Runtime.Unload(tenant.Id);
        await WriteTenantAsync(context, host, tenant, StatusCodes.Status200OK).ConfigureAwait(false);
    });

    private static Task LoadAsync(HttpContext context) => RunAsync(context, async host =>
    {
        var tenant = await host.RequireAsync(context).ConfigureAwait(false);
        await host.Runtime.LoadAsync(tenant, context.RequestAborted).ConfigureAwait(false);
        await WriteTenantAsync(context, host, tenant, StatusCodes.Status200OK).ConfigureAwait(false);
    });

    private static async Task RunAsync(HttpContext context, Func<AdministrationHost, Task> action)
    {
        var services = context.RequestServices;
        var host = new AdministrationHost(
            services.GetRequiredService<ITenantAdministration>(),
            services.GetRequiredService<ITenantRuntime>(),
            services.GetRequiredService<IOptions<TenantCatalogOptions>>().Value.StoreRetryInterval);
        try
        {
            // The endpoints carry RequireHost, so the tenant middleware refused tenants already; the host scope is the
            // second lock: it throws inside any tenant scope, and the administration service refuses outside one.
            using var scope = services.GetRequiredService<ITenantContextAccessor>().BeginHostScope();
            await action(host).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (TenantKitException ex) when (AdministrationErrors.IsAnswered(ex))
        {
            await AdministrationErrors.WriteAsync(context, host, ex).ConfigureAwait(false);
        }
    }

    private static async Task WriteTenantAsync(HttpContext context, AdministrationHost host, TenantInfo tenant, int status)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.ETag = ETag(tenant.Version);
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(TenantResource.From(tenant, host.Runtime.GetStatus(tenant.Id)), AdministrationJsonContext.Default.TenantResource, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }
}
