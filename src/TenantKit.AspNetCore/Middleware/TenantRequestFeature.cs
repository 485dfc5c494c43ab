using System.Collections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.AspNetCore.Middleware;

/// <summary>
/// Everything one tenant request holds, in one object: the tenant, the lease on its container, and the request's
/// service scope in that container, created on first use as ASP.NET Core hosting does. It is the request's
/// <see cref="IServiceProvidersFeature"/> (so <see cref="HttpContext.RequestServices"/> resolves from the tenant), the
/// <see cref="ITenantFeature"/>, the service provider of the ambient tenant context, and the logging scope's state.
/// Disposing it (once) disposes the scope, then releases the lease.
/// </summary>
internal sealed class TenantRequestFeature(TenantInfo tenant, TenantLease lease)
    : ITenantFeature, IServiceProvidersFeature, IKeyedServiceProvider, ISupportRequiredService, IReadOnlyList<KeyValuePair<string, object?>>, IAsyncDisposable
{
    // Four fields, 56 bytes a request: whether the feature is disposed is told by _services holding Released (a
    // provider that refuses every service), not by a field of its own.
    private readonly TenantLease _lease = lease;
    private IServiceScope? _scope;
    private IServiceProvider? _services;

    public TenantInfo Tenant { get; } = tenant;

    TenantInfo? ITenantFeature.Tenant => Tenant;

    public IServiceProvider RequestServices
    {
        get
        {
            var services = _services;
            if (services is null)
            {
                // Opened on first use, never after the release (then _services is Released): a released lease's
                // generation may be disposed.
                var scope = _lease.CreateScope();
                _scope = scope;
                _services = services = scope.ServiceProvider;
            }

            return services;
        }

        set => _services = value;
    }

    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("TenantId", Tenant.Id),
        1 => new("TenantIdentifier", Tenant.Identifier),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public object? GetService(Type serviceType) => RequestServices.GetService(serviceType);

    public object GetRequiredService(Type serviceType) => RequestServices.GetRequiredService(serviceType);

    public object? GetKeyedService(Type serviceType, object? serviceKey)
        => RequestServices is IKeyedServiceProvider keyed ? keyed.GetKeyedService(serviceType, serviceKey) : null;

    public object GetRequiredKeyedService(Type serviceType, object? serviceKey)
        => RequestServices.GetRequiredKeyedService(serviceType, serviceKey);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"TenantId:{Tenant.Id} TenantIdentifier:{Tenant.Identifier}";

    public ValueTask DisposeAsync()
    {
        if (ReferenceEquals(Interlocked.Exchange(ref _services, Released.Instance), Released.Instance))
        {
            return default;
        }

        if (_scope is not { } scope)
        {
            _lease.Dispose();
            return default;
        }

        // Synchronous when the scope's disposal is (no async disposable in it): no state machine on every request.
        ValueTask disposing;
        try
        {
            disposing = scope is IAsyncDisposable asyncScope ? asyncScope.DisposeAsync() : Dispose(scope);
        }
        catch
        {
            _lease.Dispose();
            throw;
        }

        if (disposing.IsCompletedSuccessfully)
        {
            _lease.Dispose();
            return default;
        }

        return AwaitScopeThenReleaseAsync(disposing);
    }

    private static ValueTask Dispose(IServiceScope scope)
    {
        scope.Dispose();
        return default;
    }

    private async ValueTask AwaitScopeThenReleaseAsync(ValueTask disposing)
    {
        try
        {
            await disposing.ConfigureAwait(false);
        }
        finally
        {
            _lease.Dispose();
        }
    }

    /// <summary>The request services once the request is over: every service is refused.</summary>
    private sealed class Released : IServiceProvider
    {
        public static readonly Released Instance = new();

        public object? GetService(Type serviceType) => throw new ObjectDisposedException(nameof(TenantRequestFeature), "The request is over: its tenant services are released.");
    }
}
