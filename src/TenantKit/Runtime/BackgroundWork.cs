using Microsoft.Extensions.Logging;

namespace TenantKit.Runtime;

/// <summary>Work the runtime starts and nobody awaits (reloads and eager builds after catalog changes): its errors are logged.</summary>
internal static class BackgroundWork
{
    public static async Task ObserveAsync(Task work, ILogger logger, TenantChangeKind kind, string identifier)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TenantKitException or ObjectDisposedException)
        {
            RuntimeLog.ChangeHandlingFailed(logger, ex, kind, identifier);
        }
    }
}
