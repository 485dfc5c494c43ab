namespace TenantKit.AspNetCore.Resolution;

/// <summary>
/// Reads the identifier from the start of the path with a template such as <c>/t/{tenant}</c>. When the tenant is
/// served, the middleware moves the matched prefix from <see cref="HttpRequest.Path"/> to
/// <see cref="HttpRequest.PathBase"/>, so the application's routes (<c>/orders</c>) and the links it generates
/// (<c>/t/acme/orders</c>) stay as if the tenant had the whole site.
/// </summary>
internal sealed class PathBaseTenantStrategy : ITenantStrategy<HttpContext>
{
    private readonly string[] _segments;

    public PathBaseTenantStrategy(string template)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(template);
        var trimmed = template.Trim();
        if (!trimmed.StartsWith('/') || !trimmed.EndsWith("/" + TenantPlaceholder.Value, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"The path template '{template}' must start with '/' and end with the segment '{TenantPlaceholder.Value}', as in '/t/{{tenant}}'.", nameof(template));
        }

        // "/t/{tenant}" -> body "t/" -> segments ["t"]; "/{tenant}" -> body "" -> no segments.
        var body = trimmed[1..^TenantPlaceholder.Value.Length];
        var segments = body.Length == 0 ? [] : body[..^1].Split('/', StringSplitOptions.None);

        foreach (var segment in segments)
        {
            if (segment.Length == 0 || segment.Contains('{', StringComparison.Ordinal) || segment.Contains('}', StringComparison.Ordinal))
            {
                throw new ArgumentException($"The path template '{template}' may hold literal segments before '{TenantPlaceholder.Value}' and nothing else.", nameof(template));
            }
        }

        _segments = segments;
        Template = trimmed;
    }

    public string Template { get; }

    public ValueTask<ReadOnlyMemory<char>> GetIdentifierAsync(HttpContext context, CancellationToken cancellationToken)
        => new(IdentifierText.Prepare(Match(context.Request.Path.Value, out _)));

    /// <summary>
    /// Finds the identifier at the start of <paramref name="path"/>; <paramref name="prefixLength"/> is the length of the
    /// matched prefix (<c>/t/acme</c>). Empty when the path does not start with the template.
    /// </summary>
    internal ReadOnlyMemory<char> Match(string? path, out int prefixLength)
    {
        prefixLength = 0;
        if (string.IsNullOrEmpty(path) || path[0] != '/')
        {
            return default;
        }

        var span = path.AsSpan();
        var position = 1;
        foreach (var segment in _segments)
        {
            var rest = span[position..];
            if (!rest.StartsWith(segment, StringComparison.OrdinalIgnoreCase) || rest.Length == segment.Length || rest[segment.Length] != '/')
            {
                return default;
            }

            position += segment.Length + 1;
        }

        var tail = span[position..];
        var length = tail.IndexOf('/');
        if (length < 0)
        {
            length = tail.Length;
        }

        if (length == 0)
        {
            return default;
        }

        prefixLength = position + length;
        return path.AsMemory(position, length);
    }
}
