namespace TenantKit.Yarp.Routing;

/// <summary>
/// Rendezvous (highest random weight) hashing: each tenant ranks every destination by a score mixed from the tenant's
/// hash and the destination's id, and goes to the highest. Removing a destination moves only its own tenants (to their
/// second choice); adding one takes from every other destination only the tenants for which it scores highest (about
/// 1/N of them). Destinations are ranked by id, never by address, so a node that comes back on another port keeps its
/// tenants.
/// </summary>
internal static class RendezvousHash
{
    /// <summary>The 64-bit hash of a normalised identifier (FNV-1a over its characters, then mixed).</summary>
    public static ulong Of(ReadOnlySpan<char> value)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return Mix(hash);
    }

    /// <summary>The score of a destination for a tenant: the higher, the more the tenant prefers it.</summary>
    public static ulong Score(ulong tenant, ulong destination) => Mix(tenant ^ destination);

    /// <summary>The splitmix64 finaliser: every input bit changes about half of the output bits.</summary>
    private static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }
}
