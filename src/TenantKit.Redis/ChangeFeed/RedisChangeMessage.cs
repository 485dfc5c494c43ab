using System.Text.Json;
using System.Text.Json.Serialization;

namespace TenantKit.Redis.ChangeFeed;

/// <summary>
/// One change as it travels on the channel: a small JSON object of ids and versions, never tenant data
/// (<c>{"v":1,"node":"…","kind":"Suspended","id":"…","identifier":"acme","previous":null,"version":7}</c>).
/// </summary>
internal sealed record RedisChangeMessage(
    [property: JsonPropertyName("v")] int FormatVersion,
    [property: JsonPropertyName("node")] string? NodeId,
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("id")] string? TenantId,
    [property: JsonPropertyName("identifier")] string? Identifier,
    [property: JsonPropertyName("previous")] string? PreviousIdentifier,
    [property: JsonPropertyName("version")] long Version)
{
    public const int CurrentFormat = 1;
    public const int MaxNodeIdLength = 200;

    /// <summary>Larger messages are not ours: they are dropped before parsing.</summary>
    public const int MaxBytes = 4096;

    public static RedisChangeMessage From(string nodeId, TenantChangeNotice notice)
        => new(CurrentFormat, nodeId, notice.Kind.ToString(), notice.TenantId, notice.Identifier, notice.PreviousIdentifier, notice.TenantVersion);

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, RedisChangeMessageJson.Default.RedisChangeMessage);

    /// <summary>Parses and validates a message; returns <see langword="null"/> with the reason when it is malformed.</summary>
    public static RedisChangeMessage? TryParse(ReadOnlySpan<byte> utf8, out TenantChangeNotice? notice, out string? problem)
    {
        notice = null;
        if (utf8.Length > MaxBytes)
        {
            problem = $"message of {utf8.Length} bytes exceeds {MaxBytes}";
            return null;
        }

        RedisChangeMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(utf8, RedisChangeMessageJson.Default.RedisChangeMessage);
        }
        catch (JsonException ex)
        {
            problem = "not JSON of the expected shape: " + ex.Message;
            return null;
        }

        if (message is null)
        {
            problem = "empty message";
            return null;
        }

        if (message.FormatVersion != CurrentFormat)
        {
            problem = $"unknown format version {message.FormatVersion}";
            return null;
        }

        if (string.IsNullOrWhiteSpace(message.NodeId) || message.NodeId.Length > MaxNodeIdLength)
        {
            problem = "missing or too long node id";
            return null;
        }

        // Names only, case-sensitive: Enum.TryParse would also take "2" or "Suspended, Deleted".
        if (message.Kind is null || !Enum.GetNames<TenantChangeKind>().Contains(message.Kind, StringComparer.Ordinal))
        {
            problem = $"unknown change kind '{message.Kind}'";
            return null;
        }

        var candidate = new TenantChangeNotice(
            Enum.Parse<TenantChangeKind>(message.Kind),
            message.TenantId!,
            message.Identifier!,
            message.PreviousIdentifier,
            message.Version);
        if (!candidate.IsValid(out problem))
        {
            return null;
        }

        notice = candidate;
        return message;
    }
}

[JsonSerializable(typeof(RedisChangeMessage))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class RedisChangeMessageJson : JsonSerializerContext;
