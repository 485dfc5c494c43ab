namespace TenantKit.AspNetCore;

/// <summary>A tenant's request budget: <see cref="PermitLimit"/> requests per <see cref="Window"/> (a fixed window).</summary>
public sealed record TenantRateLimit
{
    /// <summary>Creates a limit.</summary>
    /// <param name="permitLimit">Requests allowed per window; 1 or more.</param>
    /// <param name="window">The window; positive.</param>
    /// <param name="queueLimit">Requests that may wait for the next window instead of being refused; 0 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public TenantRateLimit(int permitLimit, TimeSpan window, int queueLimit = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(queueLimit);
        PermitLimit = permitLimit;
        Window = window;
        QueueLimit = queueLimit;
    }

    /// <summary>Requests allowed per window.</summary>
    public int PermitLimit { get; }

    /// <summary>The window.</summary>
    public TimeSpan Window { get; }

    /// <summary>Requests that may wait for the next window instead of being refused.</summary>
    public int QueueLimit { get; }
}
