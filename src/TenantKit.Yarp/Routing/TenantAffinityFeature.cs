namespace TenantKit.Yarp.Routing;

/// <summary>The tenant a proxied request names, read once per request by the affinity middleware.</summary>
internal sealed class TenantAffinityFeature(string? identifier)
{
    /// <summary>The normalised identifier, or <see langword="null"/> for a request that names no tenant.</summary>
    public string? Identifier { get; } = identifier;

    /// <summary>The identifier's rendezvous hash (0 when there is none).</summary>
    public ulong Hash { get; } = identifier is null ? 0 : RendezvousHash.Of(identifier);
}
