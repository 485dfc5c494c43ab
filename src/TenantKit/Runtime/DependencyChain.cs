namespace TenantKit.Runtime;

/// <summary>One step of a path from a shared singleton to a tenant-only service (the last step, <see cref="Next"/> null).</summary>
internal sealed class DependencyChain(Type service, Type? implementation, DependencyChain? next, bool tenantOnly)
{
    public Type Service { get; } = service;

    public Type? Implementation { get; } = implementation;

    public DependencyChain? Next { get; } = next;

    /// <summary>The tenant-only service at the end is <see cref="TenantInfo"/> (else an isolated service).</summary>
    public bool TenantOnly { get; } = tenantOnly;

    public DependencyChain Leaf
    {
        get
        {
            var step = this;
            while (step.Next is not null)
            {
                step = step.Next;
            }

            return step;
        }
    }
}
