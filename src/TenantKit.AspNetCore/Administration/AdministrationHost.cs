using System.Globalization;
using Microsoft.Net.Http.Headers;
using TenantKit.AspNetCore.Problems;

namespace TenantKit.AspNetCore.Administration;

/// <summary>The services one administration request uses, and its reads that need them.</summary>
internal sealed record AdministrationHost(ITenantAdministration Administration, ITenantRuntime Runtime, TimeSpan CatalogRetryAfter)
{
    /// <summary>The tenant of the route's id; <see cref="TenantNotFoundException"/> when there is none.</summary>
    public async Task<TenantInfo> RequireAsync(HttpContext context)
        => await Administration.GetAsync(AdministrationRequestReader.Id(context), context.RequestAborted).ConfigureAwait(false) ?? throw new TenantNotFoundException(AdministrationRequestReader.Id(context));

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
