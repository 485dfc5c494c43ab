using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TenantKit.Redis.Diagnostics;

namespace TenantKit.Redis.ChangeFeed;

/// <summary>
/// Publishes this node's catalog changes on a Redis channel and applies the other nodes' changes. Never throws into
/// the host: Redis being down is logged, measured and reported to the catalog (which then polls faster).
/// </summary>
internal sealed partial class RedisChangeFeed : IAsyncDisposable
{
    private readonly RedisChangeFeedOptions _options;
    private readonly ITenantChangeFeed _local;
    private readonly ITenantChangeSync _sync;
    private readonly TimeProvider _time;
    private readonly RedisChangeFeedMetrics _metrics;
    private readonly ILogger _logger;
    private readonly RedisChannel _channel;
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private readonly Lock _stateGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private ConnectionMultiplexer? _connection;
    private ChannelMessageQueue? _queue;
    private IDisposable? _localSubscription;
    private Task _connecting = Task.CompletedTask;
    private volatile bool _connected;
    private volatile string? _lastError;
    private DateTimeOffset? _disconnectedSince;

    public RedisChangeFeed(
        IOptions<RedisChangeFeedOptions> options,
        ITenantChangeFeed local,
        ITenantChangeSync sync,
        TimeProvider time,
        RedisChangeFeedMetrics metrics,
        ILogger<RedisChangeFeed> logger)
    {
        _options = options.Value;
        _local = local;
        _sync = sync;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _channel = RedisChannel.Literal(_options.Channel);
        metrics.ObserveConnected(() => _connected);
    }

    /// <summary><see langword="true"/> while connected to Redis and subscribed to the channel.</summary>
    public bool IsConnected => _connected;

    public string NodeId => _options.NodeId;

    /// <summary>Since when the feed is disconnected, and why, for the health check.</summary>
    public (DateTimeOffset? Since, string? Reason) Disconnection => (_disconnectedSince, _lastError);

    /// <summary>
    /// Starts publishing this node's changes and connects in the background: the host does not wait for Redis (a node
    /// serves without it). Until the subscription stands the catalog polls at the fallback interval, and once it
    /// stands the catalog polls at once, so nothing published before is missed.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        SetConnected(false, "connecting");
        _localSubscription = _local.Subscribe(OnLocalChange);
        _connecting = ConnectAsync();
        return Task.CompletedTask;
    }

    /// <summary>Completes once the first connection attempt is over (connected or not). For tests.</summary>
    internal Task Connecting => _connecting;

    private async Task ConnectAsync()
    {
        try
        {
            var configuration = ConfigurationOptions.Parse(_options.Configuration);
            configuration.AbortOnConnectFail = false;

            // A configuration string cannot set it; the default backs off to several seconds between attempts, which
            // would keep the node on the fallback poll that much longer after Redis is back.
            configuration.ReconnectRetryPolicy = new LinearRetry(1000);
            if (string.IsNullOrEmpty(configuration.ClientName))
            {
                configuration.ClientName = "tenantkit-" + _options.NodeId;
            }

            var connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            connection.ConnectionFailed += OnConnectionFailed;
            connection.ConnectionRestored += OnConnectionRestored;
            _connection = connection;
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            await EnsureSubscribedAsync().ConfigureAwait(false);
            if (!_connected)
            {
                Log.StartedDisconnected(_logger, _options.Channel, _lastError ?? "not connected");
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentException)
        {
            SetConnected(false, ex.Message);
            Log.StartedDisconnected(_logger, _options.Channel, ex.Message);
        }
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _localSubscription?.Dispose();
        await _connecting.ConfigureAwait(false);
        if (_queue is { } queue)
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
            {
                // Redis is down: nothing to unsubscribe from.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _localSubscription?.Dispose();
        if (_connection is { } connection)
        {
            connection.ConnectionFailed -= OnConnectionFailed;
            connection.ConnectionRestored -= OnConnectionRestored;
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _subscribeGate.Dispose();
    }

    /// <summary>Publishes a change this node made (never a remote one: it would echo between nodes).</summary>
    internal void OnLocalChange(TenantChange change)
    {
        if (change.IsRemote || _connection is not { } connection)
        {
            return;
        }

        var payload = RedisChangeMessage.From(_options.NodeId, TenantChangeNotice.From(change)).ToUtf8();
        _ = PublishAsync(connection, payload, change);
    }

    /// <summary>Handles one message from the channel. Internal for tests: malformed input is logged and dropped.</summary>
    internal async Task OnMessageAsync(ReadOnlyMemory<byte> payload)
    {
        var message = RedisChangeMessage.TryParse(payload.Span, out var notice, out var problem);
        if (message is null || notice is null)
        {
            _metrics.Received("malformed");
            Log.MalformedMessage(_logger, _options.Channel, problem ?? "unknown");
            return;
        }

        if (string.Equals(message.NodeId, _options.NodeId, StringComparison.Ordinal))
        {
            _metrics.Received("own");
            return;
        }

        _metrics.Received("applied");
        try
        {
            await _sync.ApplyRemoteAsync(notice, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The store is down, most likely: the change log poll catches the change up once it answers.
            Log.ApplyFailed(_logger, ex, notice.Kind, notice.Identifier, message.NodeId!);
        }
    }

    private async Task PublishAsync(ConnectionMultiplexer connection, byte[] payload, TenantChange change)
    {
        try
        {
            await connection.GetSubscriber().PublishAsync(_channel, payload).ConfigureAwait(false);
            _metrics.Published(true);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Other nodes catch the change up by polling the change log.
            _metrics.Published(false);
            Log.PublishFailed(_logger, ex, change.Kind, change.Identifier);
        }
    }

    private async Task EnsureSubscribedAsync()
    {
        if (_connection is not { } connection || _stopping.IsCancellationRequested)
        {
            return;
        }

        await _subscribeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_queue is null)
            {
                var queue = await connection.GetSubscriber().SubscribeAsync(_channel).ConfigureAwait(false);
                queue.OnMessage(m => m.Message.IsNull ? Task.CompletedTask : OnMessageAsync((byte[])m.Message!));
                _queue = queue;
            }

            if (connection.IsConnected && connection.GetSubscriber().IsConnected(_channel))
            {
                SetConnected(true, null);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            SetConnected(false, ex.Message);
        }
        finally
        {
            _subscribeGate.Release();
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        var reason = $"{e.FailureType} on {e.EndPoint} ({e.ConnectionType}){(e.Exception is null ? "" : ": " + e.Exception.Message)}";
        if (SetConnected(false, reason))
        {
            Log.Disconnected(_logger, e.Exception, _options.Channel, reason);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
        => _ = EnsureSubscribedAsync();

    /// <summary>Records the state; tells the catalog when it changed. Returns whether it changed.</summary>
    private bool SetConnected(bool connected, string? reason)
    {
        lock (_stateGate)
        {
            var changed = _connected != connected || (!connected && _disconnectedSince is null);
            _connected = connected;
            if (connected)
            {
                _disconnectedSince = null;
                _lastError = null;
            }
            else
            {
                _disconnectedSince ??= _time.GetUtcNow();
                _lastError = reason;
            }

            if (!changed)
            {
                return false;
            }
        }

        if (connected)
        {
            Log.Connected(_logger, _options.Channel, _options.NodeId);
        }

        _sync.ReportFeedConnected(connected);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(6001, LogLevel.Information, "Redis change feed connected on channel {Channel} as node {NodeId}.")]
        public static partial void Connected(ILogger logger, string channel, string nodeId);

        [LoggerMessage(6002, LogLevel.Warning, "Redis change feed on channel {Channel} lost its connection ({Reason}); catalog changes from other nodes are caught up by polling until it is back.")]
        public static partial void Disconnected(ILogger logger, Exception? exception, string channel, string reason);

        [LoggerMessage(6003, LogLevel.Warning, "Redis change feed started without a connection on channel {Channel} ({Reason}); polling the catalog until Redis answers.")]
        public static partial void StartedDisconnected(ILogger logger, string channel, string reason);

        [LoggerMessage(6004, LogLevel.Warning, "Dropped a malformed message on the Redis change feed channel {Channel}: {Problem}.")]
        public static partial void MalformedMessage(ILogger logger, string channel, string problem);

        [LoggerMessage(6005, LogLevel.Warning, "Could not publish {Kind} of tenant {Identifier} on the Redis change feed; other nodes will catch it up by polling.")]
        public static partial void PublishFailed(ILogger logger, Exception exception, TenantChangeKind kind, string identifier);

        [LoggerMessage(6006, LogLevel.Warning, "Could not apply {Kind} of tenant {Identifier} from node {NodeId}; it will be caught up by polling.")]
        public static partial void ApplyFailed(ILogger logger, Exception exception, TenantChangeKind kind, string identifier, string nodeId);
    }
}
