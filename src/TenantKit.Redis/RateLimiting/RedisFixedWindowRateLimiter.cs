using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace TenantKit.Redis.RateLimiting;

/// <summary>
/// One partition's fixed-window budget counted in Redis: a counter per window, the window taken from Redis's clock so
/// every node agrees on it. While Redis does not answer, a fixed window in this node's memory stands in.
/// </summary>
internal sealed class RedisFixedWindowRateLimiter : RateLimiter
{
    // KEYS[1]: the partition's key; ARGV[1]: the window in ms; ARGV[2]: the permits asked for.
    // Returns the window's count after this call and the ms left in the window.
    private const string Script = """
        local now = redis.call('TIME')
        local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        local window = tonumber(ARGV[1])
        local index = math.floor(ms / window)
        local key = KEYS[1] .. ':' .. index
        local count = redis.call('INCRBY', key, tonumber(ARGV[2]))
        if count == tonumber(ARGV[2]) then
          redis.call('PEXPIRE', key, window * 2)
        end
        return { count, (index + 1) * window - ms }
        """;

    private static readonly RateLimitLease Acquired = new Lease(true, null);
    private static readonly RateLimitLease NotYet = new Lease(false, null);

    private readonly RedisRateLimiterFactory _factory;
    private readonly RedisKey[] _keys;
    private readonly long _windowMs;
    private readonly int _permitLimit;
    private readonly int _queueLimit;
    private readonly TimeSpan _window;
    private FixedWindowRateLimiter? _fallback;
    private long _lastUsed;

    public RedisFixedWindowRateLimiter(RedisRateLimiterFactory factory, RedisKey key, int permitLimit, TimeSpan window, int queueLimit)
    {
        _factory = factory;
        _keys = [key];
        _windowMs = Math.Max(1, (long)window.TotalMilliseconds);
        _permitLimit = permitLimit;
        _queueLimit = queueLimit;
        _window = window;
        _lastUsed = factory.Time.GetTimestamp();
    }

    public override TimeSpan? IdleDuration => _factory.Time.GetElapsedTime(Volatile.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => _fallback?.GetStatistics();

    /// <summary>
    /// Never decides without Redis: answers "not acquired" without a reason, so ASP.NET Core's rate limiting middleware
    /// goes on to <see cref="AcquireAsyncCore"/>, which asks Redis.
    /// </summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => NotYet;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _permitLimit);
        Volatile.Write(ref _lastUsed, _factory.Time.GetTimestamp());
        if (await _factory.GetDatabaseAsync().ConfigureAwait(false) is { } database)
        {
            try
            {
                var result = (RedisResult[])(await database.ScriptEvaluateAsync(Script, _keys, [_windowMs, permitCount]).ConfigureAwait(false))!;
                _factory.ReportAnswered();
                var count = (long)result[0];
                if (count <= _permitLimit)
                {
                    return Acquired;
                }

                return new Lease(false, TimeSpan.FromMilliseconds(Math.Max(1, (long)result[1])));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _factory.ReportUnanswered(ex.Message);
            }
        }
        else
        {
            _factory.ReportUnanswered("not connected");
        }

        return await Fallback().AcquireAsync(permitCount, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fallback?.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        if (_fallback is { } fallback)
        {
            await fallback.DisposeAsync().ConfigureAwait(false);
        }
    }

    private FixedWindowRateLimiter Fallback()
    {
        if (Volatile.Read(ref _fallback) is { } fallback)
        {
            return fallback;
        }

        var made = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = _permitLimit,
            Window = _window,
            QueueLimit = _queueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        var won = Interlocked.CompareExchange(ref _fallback, made, null);
        if (won is null)
        {
            return made;
        }

        made.Dispose();
        return won;
    }

    private sealed class Lease(bool isAcquired, TimeSpan? retryAfter) : RateLimitLease
    {
        private static readonly string[] WithRetryAfter = [MetadataName.RetryAfter.Name];

        public override bool IsAcquired => isAcquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : WithRetryAfter;

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
