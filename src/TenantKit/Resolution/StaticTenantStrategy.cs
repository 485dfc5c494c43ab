namespace TenantKit.Resolution;

/// <summary>Always answers one identifier, whatever the context: for single-tenant deployments, tests and tools.</summary>
internal sealed class StaticTenantStrategy(string identifier) : ITenantStrategy<object?>
{
    private readonly ReadOnlyMemory<char> _identifier = TenantIdentifier.Normalize(identifier).AsMemory();

    public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(object? context, CancellationToken cancellationToken)
        => new(_identifier);

    /// <summary>
    /// This strategy for <typeparamref name="TContext"/>. Variance makes it an <see cref="ITenantStrategy{TContext}"/>
    /// for every reference type; value-type contexts (a struct message, a job id) get an adapter with the same answer.
    /// </summary>
    public ITenantStrategy<TContext> For<TContext>() => this as ITenantStrategy<TContext> ?? new Typed<TContext>(_identifier);

    private sealed class Typed<TContext>(ReadOnlyMemory<char> identifier) : ITenantStrategy<TContext>
    {
        public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(TContext context, CancellationToken cancellationToken)
            => new(identifier);
    }
}

/// <summary>Answers what a delegate returns.</summary>
internal sealed class DelegateTenantStrategy<TContext>(Func<TContext, CancellationToken, ValueTask<string?>> read) : ITenantStrategy<TContext>
{
    public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(TContext context, CancellationToken cancellationToken)
    {
        var pending = read(context, cancellationToken);
        return pending.IsCompletedSuccessfully ? new(pending.Result.AsMemory()) : AwaitAsync(pending);
    }

    private static async ValueTask<ReadOnlyMemory<char>> AwaitAsync(ValueTask<string?> pending)
        => (await pending.ConfigureAwait(false)).AsMemory();
}
