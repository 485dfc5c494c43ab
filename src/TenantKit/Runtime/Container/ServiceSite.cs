namespace TenantKit.Runtime.Container;

/// <summary>
/// How one service is made: a node of a resolution plan. Sites belong to a <see cref="ContainerPlan"/>, which every
/// tenant container built from the same registrations shares; they hold no tenant's state. What a tenant owns (its
/// singletons, its own instances and factories) is read from the <see cref="ContainerScope"/> a site resolves in.
/// </summary>
internal abstract class ServiceSite(Type serviceType)
{
    /// <summary>The type this site answers for.</summary>
    public Type ServiceType { get; } = serviceType;

    /// <summary>True when the result is kept for the container's lifetime (a singleton or a constant).</summary>
    public virtual bool IsSingleton => false;

    /// <summary>True when the result is kept per scope.</summary>
    public virtual bool IsScoped => false;

    /// <summary>
    /// The first scoped service this site needs other than through a singleton, or null. A root provider validating
    /// scopes refuses such a site; a singleton that would capture it is refused when it is planned.
    /// </summary>
    public Type? ScopedDependency { get; init; }

    /// <summary>Makes or finds the service in <paramref name="scope"/>.</summary>
    public abstract object? Resolve(ContainerScope scope);
}
