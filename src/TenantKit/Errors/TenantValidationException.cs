namespace TenantKit;

/// <summary>
/// Thrown when tenant data (an identifier, a name, a property...) breaks TenantKit's rules. <see cref="Errors"/>
/// lists every problem per field, so a caller can show all of them at once.
/// </summary>
public class TenantValidationException : TenantKitException
{
    /// <summary>Creates the exception from a list of problems per field.</summary>
    /// <param name="errors">Field name (camelCase) to the messages for that field. Must not be empty.</param>
    public TenantValidationException(IReadOnlyDictionary<string, string[]> errors)
        : this("tenant-validation", errors)
    {
    }

    /// <summary>Creates the exception for one problem with one field.</summary>
    /// <param name="field">The field name, camelCase (<c>identifier</c>, <c>name</c>...).</param>
    /// <param name="message">What is wrong with it.</param>
    public TenantValidationException(string field, string message)
        : this(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] })
    {
    }

    private protected TenantValidationException(string errorCode, string field, string message)
        : this(errorCode, new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] })
    {
    }

    private TenantValidationException(string errorCode, IReadOnlyDictionary<string, string[]> errors)
        : base(errorCode, BuildMessage(errors))
    {
        Errors = errors;
    }

    /// <summary>Every problem found, by field name (camelCase).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    private static string BuildMessage(IReadOnlyDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var parts = new List<string>();
        foreach (var (field, messages) in errors)
        {
            foreach (var message in messages)
            {
                parts.Add($"{field}: {message}");
            }
        }

        return parts.Count == 0 ? "The tenant data is invalid." : "The tenant data is invalid. " + string.Join(" ", parts);
    }
}
