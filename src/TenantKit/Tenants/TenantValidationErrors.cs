namespace TenantKit;

/// <summary>Collects validation problems per field and throws them together.</summary>
internal sealed class TenantValidationErrors
{
    public const int MaxOwnerLength = 128;
    public const int MaxPropertyKeyLength = 256;
    public const int MaxPropertyValueLength = 8192;

    private Dictionary<string, List<string>>? _errors;

    public bool HasErrors => _errors is { Count: > 0 };

    public void Add(string field, string message)
    {
        _errors ??= new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!_errors.TryGetValue(field, out var list))
        {
            list = [];
            _errors[field] = list;
        }

        list.Add(message);
    }

    public void CheckId(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            Add("id", "is required.");
            return;
        }

        if (id.Length > TenantInfo.MaxIdLength)
        {
            Add("id", $"must be at most {TenantInfo.MaxIdLength} characters.");
            return;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                Add("id", $"'{TenantIdentifier.ToDisplay(id)}' may contain only letters, digits, '-', '_' and '.'.");
                return;
            }
        }
    }

    public void CheckName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            Add("name", "is required.");
        }
        else if (name.Length > TenantInfo.MaxNameLength)
        {
            Add("name", $"must be at most {TenantInfo.MaxNameLength} characters.");
        }
        else if (HasControl(name))
        {
            Add("name", "must not contain control characters.");
        }
    }

    public void CheckState(TenantState state)
    {
        if (!Enum.IsDefined(state))
        {
            Add("state", $"'{(int)state}' is not a tenant state.");
        }
    }

    public void CheckRegion(string? region)
    {
        if (string.IsNullOrEmpty(region))
        {
            return;
        }

        var error = TenantIdentifier.GetError(region);
        if (error is not null)
        {
            Add("region", $"'{TenantIdentifier.ToDisplay(region)}' is not a valid region: {error}");
        }
    }

    public void CheckOwner(string? owner)
    {
        if (string.IsNullOrEmpty(owner))
        {
            return;
        }

        if (owner.Length > MaxOwnerLength)
        {
            Add("owner", $"must be at most {MaxOwnerLength} characters.");
        }
        else if (HasControl(owner) || string.IsNullOrWhiteSpace(owner))
        {
            Add("owner", "must not be blank or contain control characters.");
        }
    }

    public void CheckProperties(IReadOnlyDictionary<string, string>? properties)
    {
        if (properties is null)
        {
            return;
        }

        if (properties.Count > TenantInfo.MaxProperties)
        {
            Add("properties", $"a tenant may have at most {TenantInfo.MaxProperties} properties.");
            return;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in properties)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > MaxPropertyKeyLength || HasControl(key))
            {
                Add("properties", $"key '{TenantIdentifier.ToDisplay(key)}' must be 1 to {MaxPropertyKeyLength} characters with no control characters.");
            }
            else if (!seen.Add(key))
            {
                Add("properties", $"key '{TenantIdentifier.ToDisplay(key)}' appears twice (keys are case-insensitive).");
            }

            if (value is null)
            {
                Add("properties", $"value of '{TenantIdentifier.ToDisplay(key)}' must not be null.");
            }
            else if (value.Length > MaxPropertyValueLength)
            {
                Add("properties", $"value of '{TenantIdentifier.ToDisplay(key)}' must be at most {MaxPropertyValueLength} characters.");
            }
        }
    }

    public void ThrowIfAny()
    {
        if (_errors is { Count: > 0 })
        {
            var result = new Dictionary<string, string[]>(_errors.Count, StringComparer.Ordinal);
            foreach (var (field, messages) in _errors)
            {
                result[field] = [.. messages];
            }

            throw new TenantValidationException(result);
        }
    }

    private static bool HasControl(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
