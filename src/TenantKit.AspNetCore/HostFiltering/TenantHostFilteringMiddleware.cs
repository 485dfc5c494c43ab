using TenantKit.AspNetCore.Problems;
using TenantKit.AspNetCore.Resolution;

namespace TenantKit.AspNetCore.HostFiltering;

/// <summary>Answers <c>400</c> to a request whose <c>Host</c> is neither a tenant host nor one of the allowed names.</summary>
internal sealed class TenantHostFilteringMiddleware
{
    private readonly RequestDelegate _next;
    private readonly HostTenantStrategy[] _tenantHosts;
    private readonly HashSet<string> _exact;
    private readonly string[] _suffixes;

    public TenantHostFilteringMiddleware(RequestDelegate next, TenantHostFilteringOptions options, TenantHttpStrategies strategies)
    {
        _next = next;
        _tenantHosts = options.AllowTenantHosts ? [.. strategies.Hosts] : [];
        _exact = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var suffixes = new List<string>();
        foreach (var entry in options.AllowedHosts)
        {
            var host = Trim(entry);
            if (host.StartsWith("*.", StringComparison.Ordinal) && host.Length > 2)
            {
                suffixes.Add(host[1..]);
            }
            else if (host.Length > 0 && !host.Contains('*', StringComparison.Ordinal))
            {
                _exact.Add(host);
            }
            else
            {
                throw new InvalidOperationException($"'{entry}' is not an allowed host: use a host name ('example.com') or '*.' and a domain ('*.example.com').");
            }
        }

        _suffixes = [.. suffixes];
        if (_tenantHosts.Length == 0 && _exact.Count == 0 && _suffixes.Length == 0)
        {
            throw new InvalidOperationException(
                "Tenant host filtering allows no host: declare a host strategy (WithHostStrategy) or list the application's host names in TenantHostFilteringOptions.AllowedHosts.");
        }
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (IsAllowed(context.Request.Host))
        {
            return _next(context);
        }

        // The refused host is not echoed back: the body must not carry what the attacker wrote.
        return TenantProblems.WriteAsync(context, StatusCodes.Status400BadRequest, TenantProblemTypes.HostNotAllowed,
            "The host name is not served here.",
            "The request's Host header names none of this application's host names.");
    }

    private bool IsAllowed(HostString host)
    {
        if (!host.HasValue)
        {
            return false;
        }

        var name = Trim(host.Host);
        if (_exact.Contains(name))
        {
            return true;
        }

        foreach (var suffix in _suffixes)
        {
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var strategy in _tenantHosts)
        {
            var identifier = strategy.Match(host.Value);
            if (!identifier.IsEmpty && TenantIdentifier.IsValid(identifier.Span)
                && (!identifier.Span.StartsWith("xn--", StringComparison.OrdinalIgnoreCase) || TenantIdentifier.TryNormalize(identifier.ToString(), out _)))
            {
                return true; // a tenant host (punycode labels also pass the look-alike rules)
            }
        }

        return false;
    }

    private static string Trim(string host) => host.Trim().TrimEnd('.');
}
