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
    /// <remarks>
    /// The bound, at every moment: resident tenants never exceed the capacity plus the tenants with a lease out and the
    /// tenants just built whose callers have not taken their lease yet. A build that takes the runtime past the cap
    /// unloads the least recently used idle tenant before its callers get their lease; a tenant kept past the cap for
    /// its leases is unloaded when its last lease is released, if the runtime is still past the cap then. With tenants
    /// used one after another, the runtime therefore never holds more than the capacity.
    /// </remarks>
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

    /// <summary>
    /// Decides, for a changed tenant, whether requests that see the new data must wait for a generation built from it
    /// (<see langword="true"/>), or may be served by the current generation, built from the old data, while the new one
    /// builds (<see langword="false"/>). Called with the snapshot the serving generation was built from and the newer
    /// one a request carries; it must be fast and must not throw. Either way a request sees one snapshot: the one its
    /// generation was built from (<see cref="TenantLease.Tenant"/>, and <c>HttpContext.GetTenant()</c> in
    /// TenantKit.AspNetCore), never the new data with a container built from the old.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: wait when the <see cref="TenantInfo.Identifier"/>, the
    /// <see cref="TenantInfo.State"/>, the <see cref="TenantInfo.Region"/> or any of the
    /// <see cref="TenantInfo.Properties"/> (connection strings, security settings, features, plans) differ; be served by
    /// the old generation when only the <see cref="TenantInfo.Name"/>, the <see cref="TenantInfo.Owner"/> or the version
    /// and timestamps differ.
    /// </value>
    /// <remarks>
    /// While requests wait, a failure to build the new generation is their answer (<see cref="TenantLoadException"/>,
    /// then the back-off of <see cref="BuildRetryDelay"/>): they are not served by the old generation, whose data the
    /// change made wrong. Requests that still carry the old snapshot keep being served by the old generation.
    /// </remarks>
    public Func<TenantInfo, TenantInfo, bool>? RequiresNewGeneration { get; set; }

    /// <summary>Whether <paramref name="current"/> needs a new generation when <paramref name="previous"/> serves (<see cref="RequiresNewGeneration"/>).</summary>
    internal bool NeedsNewGeneration(TenantInfo previous, TenantInfo current)
        => RequiresNewGeneration is { } decide ? decide(previous, current) : DefaultRequiresNewGeneration(previous, current);

    /// <summary>The default rule of <see cref="RequiresNewGeneration"/>.</summary>
    internal static bool DefaultRequiresNewGeneration(TenantInfo previous, TenantInfo current)
    {
        if (!string.Equals(previous.Identifier, current.Identifier, StringComparison.Ordinal)
            || previous.State != current.State
            || !string.Equals(previous.Region, current.Region, StringComparison.Ordinal)
            || previous.Properties.Count != current.Properties.Count)
        {
            return true;
        }

        foreach (var (key, value) in current.Properties)
        {
            if (!previous.Properties.TryGetValue(key, out var old) || !string.Equals(old, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

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
