using Microsoft.AspNetCore.Http.Features;

namespace TenantKit.AspNetCore.Tests.Infrastructure;

/// <summary>Counts reads of the abort token: servers create it on first use, under a lock.</summary>
internal sealed class CountingLifetimeFeature : IHttpRequestLifetimeFeature
{
    public int Reads { get; private set; }

    public CancellationToken RequestAborted
    {
        get
        {
            Reads++;
            return CancellationToken.None;
        }

        set => throw new NotSupportedException();
    }

    public void Abort()
    {
    }
}
