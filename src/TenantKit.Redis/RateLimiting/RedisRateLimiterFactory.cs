using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TenantKit.RateLimiting;

namespace TenantKit.Redis.RateLimiting;

/// <summary>
/// Makes the Redis-counted limiter of each partition, over one connection opened on first use, and knows whether Redis
/// answers: while it does not, every limiter counts in its own node's memory.
/// </summary>
internal sealed partial class RedisRateLimiterFactory : ITenantRateLimiterFactory, IAsyncDisposable
{
    private readonly RedisRateLimitOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;
    private readonly Lock _stateGate = new();
    private DateTimeOffset? _downSince;
    private string? _downReason;

    public RedisRateLimiterFactory(IOptions<RedisRateLimitOptions> options, TimeProvider time, ILogger<RedisRateLimiterFactory> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _connection = new Lazy<Task<ConnectionMultiplexer>>(ConnectAsync);
    }

    /// <summary>Since when Redis has not answered, and why; <see langword="null"/> while it answers.</summary>
    public (DateTimeOffset? Since, string? Reason) Outage
    {
        get
        {
            lock (_stateGate)
            {
                return (_downSince, _downReason);
            }
        }
    }

    internal TimeProvider Time => _time;

    /// <summary>Whether Redis is connected now (connecting on first use).</summary>
    public bool IsConnected => Database is not null;

    public RateLimiter CreateFixedWindow(string partition, int permitLimit, TimeSpan window, int queueLimit)
    {
        ArgumentException.ThrowIfNullOrEmpty(partition);
        ArgumentOutOfRangeException.ThrowIfLessThan(permitLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(queueLimit);

        // A hash tag around the partition keeps a partition's windows on one node of a Redis cluster.
        return new RedisFixedWindowRateLimiter(this, new RedisKey($"{_options.KeyPrefix}:{{{partition}}}"), permitLimit, window, queueLimit);
    }

    /// <summary>The connection when it is up; <see langword="null"/> (without waiting) while it is not.</summary>
    internal IDatabase? Database
    {
        get
        {
            var connecting = _connection.Value;
            return connecting.IsCompletedSuccessfully && connecting.Result.IsConnected ? connecting.Result.GetDatabase() : null;
        }
    }

    /// <summary>
    /// The connection, waiting for the first connection attempt when it is still running (once per node: a node that
    /// starts does not count its first requests in memory because Redis was still being dialled). <see langword="null"/>
    /// while Redis is not connected.
    /// </summary>
    internal async ValueTask<IDatabase?> GetDatabaseAsync()
    {
        var connecting = _connection.Value;
        if (!connecting.IsCompleted)
        {
            try
            {
                await connecting.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                return null;
            }
        }

        return Database;
    }

    internal void ReportAnswered()
    {
        if (Volatile.Read(ref _downReason) is null)
        {
            return;
        }

        lock (_stateGate)
        {
            if (_downSince is { } since)
            {
                Log.Restored(_logger, (_time.GetUtcNow() - since).TotalSeconds);
            }

            _downSince = null;
            _downReason = null;
        }
    }

    internal void ReportUnanswered(string reason)
    {
        lock (_stateGate)
        {
            if (_downSince is not null)
            {
                _downReason = reason;
                return;
            }

            _downSince = _time.GetUtcNow();
            _downReason = reason;
        }

        Log.FallingBack(_logger, reason);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            try
            {
                var connection = await _connection.Value.ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentException)
            {
                // It never connected: nothing to close.
            }
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var configuration = ConfigurationOptions.Parse(_options.Configuration);
        configuration.AbortOnConnectFail = false;

        // A request must not wait for Redis: commands fail at once while disconnected (the limiter then counts in
        // memory), and a slow answer is given up after a second.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 1000);
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.ReconnectRetryPolicy = new LinearRetry(1000);
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            ReportUnanswered(ex.Message);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(6101, LogLevel.Warning, "Redis does not answer for rate limits ({Reason}): until it does, each node counts tenants' budgets in its own memory.")]
        public static partial void FallingBack(ILogger logger, string reason);

        [LoggerMessage(6102, LogLevel.Information, "Redis answers again for rate limits after {Seconds:F0} s: tenants' budgets are counted across the cluster again.")]
        public static partial void Restored(ILogger logger, double seconds);
    }
}
