namespace TenantKit;

/// <summary>
/// Thrown when a tenant identifier breaks the DNS-label rules TenantKit applies to every identifier:
/// 1 to 63 characters of <c>a-z</c>, <c>0-9</c> and <c>-</c>, neither starting nor ending with a hyphen.
/// </summary>
public sealed class InvalidTenantIdentifierException : TenantValidationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="displayValue">The rejected value, made safe to print (control characters escaped, truncated).</param>
    /// <param name="reason">Why it was rejected.</param>
    internal InvalidTenantIdentifierException(string displayValue, string reason)
        : base("invalid-tenant-identifier", "identifier", $"'{displayValue}' is not a valid tenant identifier: {reason}")
    {
        DisplayValue = displayValue;
        Reason = reason;
    }

    /// <summary>The rejected value, escaped and truncated so it is safe to log or show.</summary>
    internal string DisplayValue { get; }

    /// <summary>Why the value was rejected.</summary>
    public string Reason { get; }
}
