using Microsoft.Extensions.Options;

namespace TenantKit.Hosting;

/// <summary>Validates <see cref="TenantCatalogOptions"/>, reporting every problem in one message.</summary>
internal sealed class TenantCatalogOptionsValidator : IValidateOptions<TenantCatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, TenantCatalogOptions options)
    {
        var failures = new List<string>();
        if (options.EntryLifetime <= TimeSpan.Zero)
        {
            failures.Add($"TenantCatalogOptions.EntryLifetime must be positive (was {options.EntryLifetime}).");
        }

        if (options.NegativeEntryLifetime < TimeSpan.Zero)
        {
            failures.Add($"TenantCatalogOptions.NegativeEntryLifetime must be zero (off) or positive (was {options.NegativeEntryLifetime}).");
        }

        if (options.MaxNegativeEntries < 0)
        {
            failures.Add($"TenantCatalogOptions.MaxNegativeEntries must be zero or more (was {options.MaxNegativeEntries}).");
        }

        if (options.MaxStaleness < TimeSpan.Zero)
        {
            failures.Add($"TenantCatalogOptions.MaxStaleness must be zero or more (was {options.MaxStaleness}).");
        }

        if (options.StoreRetryInterval <= TimeSpan.Zero)
        {
            failures.Add($"TenantCatalogOptions.StoreRetryInterval must be positive (was {options.StoreRetryInterval}).");
        }

        if (options.ChangePollInterval <= TimeSpan.Zero && options.ChangePollInterval != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"TenantCatalogOptions.ChangePollInterval must be positive, or Timeout.InfiniteTimeSpan to turn polling off (was {options.ChangePollInterval}).");
        }

        if (options.FallbackChangePollInterval <= TimeSpan.Zero && options.FallbackChangePollInterval != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"TenantCatalogOptions.FallbackChangePollInterval must be positive, or Timeout.InfiniteTimeSpan to turn polling off while the feed is down (was {options.FallbackChangePollInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="TenantRuntimeOptions"/>, reporting every problem in one message.</summary>
internal sealed class TenantRuntimeOptionsValidator : IValidateOptions<TenantRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, TenantRuntimeOptions options)
    {
        var failures = new List<string>();
        if (options.IdleTimeout <= TimeSpan.Zero && options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"TenantRuntimeOptions.IdleTimeout must be positive, or Timeout.InfiniteTimeSpan to turn idle eviction off (was {options.IdleTimeout}).");
        }

        if (options.Capacity is < 1)
        {
            failures.Add($"TenantRuntimeOptions.Capacity must be 1 or more, or null for no cap (was {options.Capacity}).");
        }

        if (options.SweepInterval is { } sweep && sweep <= TimeSpan.Zero)
        {
            failures.Add($"TenantRuntimeOptions.SweepInterval must be positive, or null (was {sweep}).");
        }

        if (options.DrainTimeout <= TimeSpan.Zero)
        {
            failures.Add($"TenantRuntimeOptions.DrainTimeout must be positive (was {options.DrainTimeout}).");
        }

        if (options.HostedServiceStopTimeout <= TimeSpan.Zero)
        {
            failures.Add($"TenantRuntimeOptions.HostedServiceStopTimeout must be positive (was {options.HostedServiceStopTimeout}).");
        }

        if (options.MaxConcurrentBuilds < 1)
        {
            failures.Add($"TenantRuntimeOptions.MaxConcurrentBuilds must be 1 or more (was {options.MaxConcurrentBuilds}).");
        }

        if (options.BuildRetryDelay <= TimeSpan.Zero)
        {
            failures.Add($"TenantRuntimeOptions.BuildRetryDelay must be positive (was {options.BuildRetryDelay}).");
        }

        if (options.MaxBuildRetryDelay < options.BuildRetryDelay)
        {
            failures.Add($"TenantRuntimeOptions.MaxBuildRetryDelay ({options.MaxBuildRetryDelay}) must not be shorter than BuildRetryDelay ({options.BuildRetryDelay}).");
        }

        if (!Enum.IsDefined(options.LoadingPolicy))
        {
            failures.Add($"TenantRuntimeOptions.LoadingPolicy '{(int)options.LoadingPolicy}' is not a loading policy.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="TenantDataOptions"/>, reporting every problem in one message.</summary>
internal sealed class TenantDataOptionsValidator : IValidateOptions<TenantDataOptions>
{
    public ValidateOptionsResult Validate(string? name, TenantDataOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.DefaultIsolation))
        {
            failures.Add($"TenantDataOptions.DefaultIsolation '{(int)options.DefaultIsolation}' is not an isolation model.");
        }

        if (options.SchemaTemplate is null || !options.SchemaTemplate.Contains("{id}", StringComparison.Ordinal))
        {
            failures.Add("TenantDataOptions.SchemaTemplate must contain '{id}', or every schema-per-tenant tenant would share one schema.");
        }
        else if (!Data.TenantConnectionResolver.IsValidSchema(options.SchemaTemplate.Replace("{id}", "x", StringComparison.Ordinal)))
        {
            failures.Add($"TenantDataOptions.SchemaTemplate '{options.SchemaTemplate}' does not make a valid schema name: use letters, digits and '_' around '{{id}}', not starting with a digit.");
        }

        if (options.ConnectionStringTemplate is { Length: > 0 } template && !template.Contains("{id}", StringComparison.Ordinal))
        {
            failures.Add("TenantDataOptions.ConnectionStringTemplate must contain '{id}', or every database-per-tenant tenant would share one database.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
