namespace TenantKit;

/// <summary>
/// A tenant or host scope begun with <see cref="ITenantContextAccessor"/>. Disposing it restores the context that
/// was current when it began; disposing it twice does nothing.
/// </summary>
public sealed class TenantScope : IDisposable
{
    private readonly TenantContext? _previous;
    private int _disposed;

    internal TenantScope(TenantContext context, TenantContext? previous)
    {
        Context = context;
        _previous = previous;
    }

    /// <summary>The context this scope made current.</summary>
    internal TenantContext Context { get; }

    /// <summary>Restores the context that was current before this scope.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            TenantContextAccessor.Ambient.Value = _previous;
        }
    }
}
