using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using TenantKit.AspNetCore.Problems;

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
    }

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

    private static async Task RunAsync(HttpContext context, Func<Host, Task> action)
    {
        var services = context.RequestServices;
        var host = new Host(
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
        catch (TenantKitException ex) when (IsAnswered(ex))
        {
            await WriteErrorAsync(context, host, ex).ConfigureAwait(false);
        }
    }

    private static bool IsAnswered(TenantKitException error)
        => error is TenantValidationException or TenantNotFoundException or TenantConcurrencyException or TenantAlreadyExistsException
            or TenantCatalogReadOnlyException or TenantCatalogUnavailableException or TenantSuspendedException or TenantLoadException
            or CrossTenantAccessException or HostScopeRequiredException;

    private static Task WriteErrorAsync(HttpContext context, Host host, TenantKitException error)
    {
        switch (error)
        {
            case TenantValidationException validation:
                return TenantProblems.WriteValidationAsync(context, validation.Errors, "The tenant data is invalid.");
            case TenantNotFoundException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status404NotFound, TenantProblemTypes.TenantNotFound,
                    "The tenant does not exist.", "No tenant has this id.");
            case TenantConcurrencyException conflict:
                context.Response.Headers.ETag = ETag(conflict.ActualVersion);
                return TenantProblems.WriteAsync(context, new ProblemDetails
                {
                    Status = StatusCodes.Status412PreconditionFailed,
                    Type = TenantProblemTypes.VersionConflict,
                    Title = "The tenant was changed by someone else.",
                    Detail = "The tenant's version is not the one in If-Match. Read the tenant again and retry with its ETag.",
                    Extensions = { ["currentVersion"] = conflict.ActualVersion },
                }, retryAfter: null);
            case TenantAlreadyExistsException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status409Conflict, TenantProblemTypes.AlreadyExists,
                    "The tenant already exists.", "A tenant with this id or identifier exists.");
            case TenantCatalogReadOnlyException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status409Conflict, TenantProblemTypes.CatalogReadOnly,
                    "The tenant catalog is read-only.", "The tenant store does not accept changes; change its source (the configuration) instead.");
            case TenantCatalogUnavailableException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.CatalogUnavailable,
                    "The tenant catalog is unavailable.", "The tenant store is unavailable. Try again later.", host.CatalogRetryAfter);
            case TenantSuspendedException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status409Conflict, TenantProblemTypes.TenantSuspended,
                    "The tenant is suspended.", "A suspended tenant cannot be loaded; resume it first.");
            case TenantLoadException load:
                return TenantProblems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, TenantProblemTypes.TenantLoadFailed,
                    "The tenant could not be loaded.", load.Message, load.RetryAfter);
            case CrossTenantAccessException or HostScopeRequiredException:
                return TenantProblems.WriteAsync(context, StatusCodes.Status403Forbidden, TenantProblemTypes.HostRequired,
                    "The endpoint is reserved to the host.", "This endpoint serves the host only and cannot be used from a tenant.");
            default:
                throw new InvalidOperationException("Unreachable: IsAnswered and WriteErrorAsync disagree.", error);
        }
    }

    private static async Task WriteTenantAsync(HttpContext context, Host host, TenantInfo tenant, int status)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.ETag = ETag(tenant.Version);
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(TenantResource.From(tenant, host.Runtime.GetStatus(tenant.Id)), AdministrationJsonContext.Default.TenantResource, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<T?> ReadBodyAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        string? problem;
        try
        {
            var body = await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted).ConfigureAwait(false);
            if (body is not null)
            {
                return body;
            }

            problem = "A JSON object is required.";
        }
        catch (JsonException ex)
        {
            problem = ex.Path is { Length: > 0 } path && path != "$" ? $"{path}: {FirstSentence(ex.Message)}" : FirstSentence(ex.Message);
        }

        await TenantProblems.WriteValidationAsync(context, new Dictionary<string, string[]> { ["body"] = [problem] }, "The request body is not a valid tenant document.").ConfigureAwait(false);
        return null;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    private static string Id(HttpContext context) => context.Request.RouteValues["id"] as string ?? string.Empty;

    private static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    private static string? Optional(IQueryCollection query, string name)
        => query.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value.ToString()) ? value.ToString() : null;

    private static int ReadInt(IQueryCollection query, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (!query.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (int.TryParse(text.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [$"must be a whole number from {min} to {max}."];
        return fallback;
    }

    private static bool TryParseState(string text, out TenantState state)
    {
        if (string.Equals(text, "active", StringComparison.OrdinalIgnoreCase))
        {
            state = TenantState.Active;
            return true;
        }

        if (string.Equals(text, "suspended", StringComparison.OrdinalIgnoreCase))
        {
            state = TenantState.Suspended;
            return true;
        }

        state = default;
        return false;
    }

    /// <summary>The services one administration request uses.</summary>
    private sealed record Host(ITenantAdministration Administration, ITenantRuntime Runtime, TimeSpan CatalogRetryAfter)
    {
        public async Task<TenantInfo> RequireAsync(HttpContext context)
            => await Administration.GetAsync(Id(context), context.RequestAborted).ConfigureAwait(false) ?? throw new TenantNotFoundException(Id(context));

        /// <summary>
        /// Reads <c>If-Match</c>: the version to expect (<see langword="null"/> when optional and absent), or not
        /// <c>Ok</c> with the refusal written (428 when required and absent, 400 when malformed). An ETag that cannot
        /// match throws <see cref="TenantConcurrencyException"/> (412).
        /// </summary>
        public async Task<(bool Ok, long? Version)> ExpectedVersionAsync(HttpContext context, bool required)
        {
            var header = context.Request.Headers.IfMatch;
            if (header.Count == 0)
            {
                if (required)
                {
                    await TenantProblems.WriteAsync(context, StatusCodes.Status428PreconditionRequired, TenantProblemTypes.PreconditionRequired,
                        "The change needs If-Match.",
                        "Send the tenant's ETag in If-Match, so a change made meanwhile by someone else is not overwritten.").ConfigureAwait(false);
                    return (false, null);
                }

                return (true, null);
            }

            if (!EntityTagHeaderValue.TryParseList(header, out var tags) || tags.Count == 0)
            {
                await TenantProblems.WriteValidationAsync(context, new Dictionary<string, string[]> { ["If-Match"] = ["must be '*' or a list of ETags such as \"3\"."] }, "The If-Match header is malformed.").ConfigureAwait(false);
                return (false, null);
            }

            var versions = new List<long>(tags.Count);
            var any = false;
            foreach (var tag in tags)
            {
                if (tag.Equals(EntityTagHeaderValue.Any))
                {
                    any = true;
                }
                else if (!tag.IsWeak && long.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                {
                    versions.Add(version);
                }
            }

            if (!any && versions.Count == 1)
            {
                return (true, versions[0]);
            }

            // '*', several ETags, or only ETags that can never match (weak, not a version): compare with the current version.
            var current = await RequireAsync(context).ConfigureAwait(false);
            if (any || versions.Contains(current.Version))
            {
                return (true, current.Version);
            }

            throw new TenantConcurrencyException(current.Id, versions.Count > 0 ? versions[0] : 0, current.Version);
        }
    }
}
