namespace TenantKit.Catalog;

/// <summary>One read of an <see cref="ITenantChangeLog"/>.</summary>
/// <param name="Changes">The changes after the version asked for, oldest first (empty when truncated).</param>
/// <param name="Version">
/// The version to read from next: the last change's version, the version asked for when nothing changed, or the
/// log's current version when <paramref name="IsTruncated"/>.
/// </param>
/// <param name="IsTruncated">
/// <see langword="true"/> when the log no longer holds every change after the version asked for (old entries were
/// pruned): the reader cannot know what it missed, so it drops every cached tenant and re-reads those it holds in memory.
/// </param>
public sealed record TenantChangeLogPage(IReadOnlyList<TenantChangeLogEntry> Changes, long Version, bool IsTruncated = false);
