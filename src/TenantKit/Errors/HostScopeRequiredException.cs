namespace TenantKit;

/// <summary>Thrown when an operation reserved to the host (the super tenant) is called outside an explicit host scope, for example from code running as a tenant.</summary>
public sealed class HostScopeRequiredException : TenantKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="innerException">The cause, if any.</param>
    internal HostScopeRequiredException(string message, Exception? innerException = null)
        : base("host-scope-required", message, innerException)
    {
    }
}
