namespace TenantKit.Catalog;

/// <summary>One read of an <see cref="ITenantChangeLog"/>.</summary>
/// <param name="changes">The changes after the version asked for, oldest first (empty when truncated).</param>
/// <param name="version">The version to read from next.</param>
/// <param name="isTruncated">Whether the log no longer holds every change after the version asked for.</param>
public sealed class TenantChangeLogPage(IReadOnlyList<TenantChangeLogEntry> changes, long version, bool isTruncated = false)
{
    /// <summary>The changes after the version asked for, oldest first (empty when truncated).</summary>
    public IReadOnlyList<TenantChangeLogEntry> Changes { get; } = changes;

    /// <summary>
    /// The version to read from next: the last change's version, the version asked for when nothing changed, or the
    /// log's current version when <see cref="IsTruncated"/>.
    /// </summary>
    public long Version { get; } = version;

    /// <summary>
    /// <see langword="true"/> when the log no longer holds every change after the version asked for (old entries were
    /// pruned): the reader cannot know what it missed, so it drops every cached tenant and re-reads those it holds in memory.
    /// </summary>
    public bool IsTruncated { get; } = isTruncated;
}
