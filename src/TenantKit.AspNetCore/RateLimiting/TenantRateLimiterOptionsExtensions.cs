using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TenantKit;
using TenantKit.AspNetCore;
using TenantKit.AspNetCore.Diagnostics;
using TenantKit.AspNetCore.Problems;
using TenantKit.RateLimiting;

namespace Microsoft.AspNetCore.RateLimiting;

/// <summary>Partitions ASP.NET Core rate limiting by tenant.</summary>
public static class TenantRateLimiterOptionsExtensions
{
    /// <summary>
    /// Limits requests per tenant: each tenant has its own budget (from its plan or properties, see
    /// <see cref="TenantRateLimitOptions"/>), so one tenant's flood never throttles another. Refused requests get 429 with
    /// <c>Retry-After</c> and a problem document (<see cref="TenantProblemTypes.RateLimited"/>) unless the application
    /// set its own <see cref="RateLimiterOptions.OnRejected"/>. Place <c>UseRateLimiter()</c> after <c>UseTenantKit()</c>.
    /// Budgets are counted in each node's memory unless an <see cref="ITenantRateLimiterFactory"/> is registered (such as
    /// <c>TenantKit.Redis</c>'s, which counts them across the cluster).
    /// </summary>
    /// <param name="options">The rate limiter options (<c>services.AddRateLimiter(o => o.AddTenantLimiter(...))</c>).</param>
    /// <param name="configure">Sets plans and limits.</param>
    /// <param name="policyName">A policy name for <c>RequireRateLimiting(policyName)</c>, or <see langword="null"/> to make it the global limiter, applied to every request.</param>
    /// <returns>The rate limiter options.</returns>
    public static RateLimiterOptions AddTenantLimiter(this RateLimiterOptions options, Action<TenantRateLimitOptions>? configure = null, string? policyName = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limits = new TenantRateLimitOptions();
        configure?.Invoke(limits);
        var partitioner = new TenantPartitioner(limits);
        if (policyName is null)
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, TenantPartitionKey>(partitioner.GetPartition);
        }
        else
        {
            options.AddPolicy(policyName, partitioner.GetPartition);
        }

        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected ??= static (context, cancellationToken) =>
        {
            TimeSpan? retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
            return new ValueTask(TenantProblems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, TenantProblemTypes.RateLimited,
                "Too many requests.",
                "The rate limit for this tenant is reached. Try again later.",
                retryAfter));
        };
        return options;
    }

    /// <summary>One partition per tenant and limit: a tenant whose limit changes gets a fresh partition.</summary>
    private readonly record struct TenantPartitionKey(string Partition, int PermitLimit, long WindowTicks, int QueueLimit)
    {
        public static readonly TenantPartitionKey Unlimited = new(string.Empty, 0, 0, 0);
    }

    private sealed class TenantPartitioner
    {
        private const string HostPartition = "(host)";
        private readonly ConditionalWeakTable<TenantInfo, StrongBox<TenantPartitionKey>> _keys = [];
        private readonly ConditionalWeakTable<TenantInfo, StrongBox<TenantPartitionKey>>.CreateValueCallback _createKey;
        private readonly Dictionary<string, TenantRateLimit> _plans;
        private readonly string _planProperty;
        private readonly TenantRateLimit? _default;
        private readonly TenantPartitionKey _hostKey;
        private readonly Func<TenantPartitionKey, RateLimiter> _createLimiter;
        private ITenantRateLimiterFactory? _factory;
        private int _factoryLooked;
        private int _warned;

        public TenantPartitioner(TenantRateLimitOptions options)
        {
            _plans = new(options.Plans, StringComparer.OrdinalIgnoreCase);
            _planProperty = options.PlanProperty;
            _default = options.DefaultLimit;
            _hostKey = Key(HostPartition, options.HostLimit);

            // Limits are read from a tenant snapshot once, then kept with it (snapshots are immutable).
            _createKey = tenant => new StrongBox<TenantPartitionKey>(Key(tenant.Id, Resolve(tenant)));
            _createLimiter = CreateLimiter;
        }

        public RateLimitPartition<TenantPartitionKey> GetPartition(HttpContext context)
        {
            var feature = context.Features.Get<ITenantFeature>();
            if (feature is null)
            {
                Warn(context);
            }

            var tenant = feature?.Tenant;
            var key = tenant is null ? _hostKey : _keys.GetValue(tenant, _createKey).Value;
            if (key.PermitLimit == 0)
            {
                return RateLimitPartition.GetNoLimiter(TenantPartitionKey.Unlimited);
            }

            if (Volatile.Read(ref _factoryLooked) == 0)
            {
                // Registered in the host's container (and forwarded into every tenant's): looked up once.
                _factory = context.RequestServices.GetService<ITenantRateLimiterFactory>();
                Volatile.Write(ref _factoryLooked, 1);
            }

            return RateLimitPartition.Get(key, _createLimiter);
        }

        private RateLimiter CreateLimiter(TenantPartitionKey key)
        {
            var window = TimeSpan.FromTicks(key.WindowTicks);
            return _factory is { } factory
                ? factory.CreateFixedWindow(key.Partition, key.PermitLimit, window, key.QueueLimit)
                : new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
                {
                    PermitLimit = key.PermitLimit,
                    Window = window,
                    QueueLimit = key.QueueLimit,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    AutoReplenishment = true,
                });
        }

        private static TenantPartitionKey Key(string partition, TenantRateLimit? limit)
            => limit is null ? TenantPartitionKey.Unlimited : new(partition, limit.PermitLimit, limit.Window.Ticks, limit.QueueLimit);

        private TenantRateLimit? Resolve(TenantInfo tenant)
        {
            if (tenant.GetProperty("RateLimit:PermitLimit") is { } permits)
            {
                var window = tenant.GetProperty("RateLimit:Window");
                var queue = tenant.GetProperty("RateLimit:QueueLimit");
                if (int.TryParse(permits, NumberStyles.None, CultureInfo.InvariantCulture, out var permitLimit) && permitLimit > 0
                    && TimeSpan.TryParse(window ?? "00:01:00", CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
                    && (queue is null || (int.TryParse(queue, NumberStyles.None, CultureInfo.InvariantCulture, out _))))
                {
                    return new TenantRateLimit(permitLimit, span, queue is null ? 0 : int.Parse(queue, NumberStyles.None, CultureInfo.InvariantCulture));
                }

                return _default;
            }

            return tenant.GetProperty(_planProperty) is { } plan && _plans.TryGetValue(plan, out var limit) ? limit : _default;
        }

        private void Warn(HttpContext context)
        {
            if (Interlocked.Exchange(ref _warned, 1) == 0
                && context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("TenantKit.AspNetCore.RateLimiting") is { } logger)
            {
                AdapterLog.MissingTenantMiddleware(logger, "the rate limiter", "it shares the host's limit");
            }
        }
    }
}
