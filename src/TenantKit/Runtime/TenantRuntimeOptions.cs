namespace TenantKit.Runtime;

/// <summary>How the tenant runtime loads, keeps and unloads tenant containers.</summary>
public sealed class TenantRuntimeOptions
{
    /// <summary>The tenant property that overrides <see cref="LoadingPolicy"/> for one tenant: <c>Eager</c> or <c>Lazy</c>.</summary>
    public const string LoadingPolicyProperty = "TenantKit:Loading";

    /// <summary>
    /// How long a resident tenant may go without a lease before it is unloaded (WSO2's <c>tenant.idle.time</c>).
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns idle eviction off. <value>The default is 30 minutes.</value>
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The most tenants resident at once, or <see langword="null"/> for no cap. Past it, the least recently used idle
    /// tenants are unloaded (tenants with a lease out are never unloaded for capacity). From a capacity of 100 up, one
    /// pass unloads down to 99% of the capacity, so that the search for victims (which visits every resident tenant)
    /// runs once per many builds rather than after each. <value>The default is <see langword="null"/>.</value>
    /// </summary>
    public int? Capacity { get; set; }

    /// <summary>
    /// How often the sweeper looks for idle tenants, or <see langword="null"/> for a quarter of <see cref="IdleTimeout"/>
    /// between 1 second and 1 minute. <value>The default is <see langword="null"/>.</value>
    /// </summary>
    public TimeSpan? SweepInterval { get; set; }

    /// <summary>
    /// How long an unloading generation waits for its leases before a warning is logged with the leases still out.
    /// It keeps waiting: nothing is disposed under a live lease. <value>The default is 30 seconds.</value>
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a tenant's hosted services get to stop when it unloads. <value>The default is 30 seconds.</value></summary>
    public TimeSpan HostedServiceStopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most tenant builds in flight at once, across tenants. <value>The default is the processor count, at least 2.</value></summary>
    public int MaxConcurrentBuilds { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>How long after a failed build the first retry waits; it doubles on every further failure. <value>The default is 5 seconds.</value></summary>
    public TimeSpan BuildRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between build retries. <value>The default is 5 minutes.</value></summary>
    public TimeSpan MaxBuildRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>When tenants are built, unless a tenant's <see cref="LoadingPolicyProperty"/> says otherwise. <value>The default is <see cref="TenantLoadingPolicy.Lazy"/>.</value></summary>
    public TenantLoadingPolicy LoadingPolicy { get; set; } = TenantLoadingPolicy.Lazy;

    /// <summary>
    /// Validates tenant containers, as Microsoft's <c>ValidateScopes</c> and <c>ValidateOnBuild</c> do: a scoped service
    /// resolved from a container's root, or captured by a singleton, is refused, and every registration is checked (once
    /// per shape of registrations) when the first tenant of that shape is built, so a registration that cannot be made
    /// fails the build. Turn on in development. <value>The default is <see langword="false"/>.</value>
    /// </summary>
    public bool ValidateScopes { get; set; }

    internal TimeSpan EffectiveSweepInterval
    {
        get
        {
            if (SweepInterval is { } interval)
            {
                return interval;
            }

            if (IdleTimeout == Timeout.InfiniteTimeSpan)
            {
                return TimeSpan.FromMinutes(1);
            }

            var quarter = IdleTimeout / 4;
            return quarter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1)
                : quarter > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : quarter;
        }
    }

    internal bool IsEager(TenantInfo tenant)
    {
        return tenant.GetProperty(LoadingPolicyProperty) is { } value && Enum.TryParse<TenantLoadingPolicy>(value, ignoreCase: true, out var own)
            ? own == TenantLoadingPolicy.Eager
            : LoadingPolicy == TenantLoadingPolicy.Eager;
    }
}
