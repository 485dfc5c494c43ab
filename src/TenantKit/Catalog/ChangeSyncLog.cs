using Microsoft.Extensions.Logging;

namespace TenantKit.Catalog;

/// <summary>The change sync's log messages (event ids 1101 to 1108).</summary>
internal static partial class ChangeSyncLog
{
    [LoggerMessage(1101, LogLevel.Warning, "Polling the tenant change log failed; retrying in {Interval}. Cached and loaded tenants keep serving.")]
    public static partial void PollFailed(ILogger logger, Exception exception, TimeSpan interval);

    [LoggerMessage(1102, LogLevel.Debug, "Polling the tenant change log still fails: {Message}")]
    public static partial void PollStillFailing(ILogger logger, string message);

    [LoggerMessage(1103, LogLevel.Information, "Polling the tenant change log works again; caught up to version {Version}.")]
    public static partial void PollRecovered(ILogger logger, long version);

    [LoggerMessage(1104, LogLevel.Warning, "The tenant change log no longer holds the changes after version {Version} (pruned; now at {Current}): dropping every cached tenant and re-reading the loaded ones.")]
    public static partial void LogTruncated(ILogger logger, long version, long current);

    [LoggerMessage(1105, LogLevel.Warning, "Skipped the malformed tenant change log entry at version {Version}: {Problem}.")]
    public static partial void InvalidLogEntry(ILogger logger, long version, string problem);

    [LoggerMessage(1106, LogLevel.Debug, "Applying remote {Kind} of tenant {Identifier} (version {Version}) as {AppliedKind} at version {StoredVersion}.")]
    public static partial void Applying(ILogger logger, TenantChangeKind kind, string identifier, long version, TenantChangeKind appliedKind, long storedVersion);

    [LoggerMessage(1107, LogLevel.Information, "The distributed change feed is connected: catching up on the change log now.")]
    public static partial void FeedConnected(ILogger logger);

    [LoggerMessage(1108, LogLevel.Warning, "The distributed change feed is disconnected: polling the change log every {Interval} until it is back.")]
    public static partial void FeedDisconnected(ILogger logger, TimeSpan interval);
}
