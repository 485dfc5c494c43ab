namespace TenantKit.Yarp.Routing;

/// <summary>
/// Chooses a tenant's destination: its first choice by rendezvous hashing, unless that destination is over the bound of
/// consistent hashing with bounded loads, then the next choice under the bound.
/// </summary>
internal static class AffinityChooser
{
    /// <summary>The destinations in the tenant's order of preference (indexes into <paramref name="destinationIds"/>).</summary>
    public static int[] Rank(ulong tenant, IReadOnlyList<string> destinationIds)
    {
        var scores = new ulong[destinationIds.Count];
        var order = new int[destinationIds.Count];
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = RendezvousHash.Score(tenant, RendezvousHash.Of(destinationIds[i]));
            order[i] = i;
        }

        // Highest score first; the id breaks a (vanishingly rare) tie so every proxy agrees.
        Array.Sort(order, (a, b) =>
        {
            var byScore = scores[b].CompareTo(scores[a]);
            return byScore != 0 ? byScore : string.CompareOrdinal(destinationIds[a], destinationIds[b]);
        });
        return order;
    }

    /// <summary>
    /// The index of the destination for <paramref name="tenant"/> among <paramref name="count"/> destinations with ids
    /// <paramref name="idOf"/> and requests in flight <paramref name="loadOf"/>.
    /// </summary>
    public static int Choose(ulong tenant, int count, Func<int, string> idOf, Func<int, int> loadOf, double loadBound, int minimumLoadBeforeSpill)
    {
        var best = -1;
        var bestScore = 0UL;
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            total += loadOf(i);
            var score = RendezvousHash.Score(tenant, RendezvousHash.Of(idOf(i)));
            if (best < 0 || score > bestScore || (score == bestScore && string.CompareOrdinal(idOf(i), idOf(best)) < 0))
            {
                best = i;
                bestScore = score;
            }
        }

        var capacity = Capacity(total, count, loadBound, minimumLoadBeforeSpill);
        if (best < 0 || loadOf(best) + 1 <= capacity)
        {
            return best;
        }

        // The first choice is full: the next choices in order, the first under the bound. One always is: the loads sum
        // to less than count * capacity.
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = idOf(i);
        }

        foreach (var candidate in Rank(tenant, ids))
        {
            if (loadOf(candidate) + 1 <= capacity)
            {
                return candidate;
            }
        }

        return best;
    }

    /// <summary>ceil((1 + ε) · (requests in flight + this one) / destinations), at least the spill floor.</summary>
    public static long Capacity(long inFlight, int count, double loadBound, int minimumLoadBeforeSpill)
        => Math.Max(minimumLoadBeforeSpill, (long)Math.Ceiling((1 + loadBound) * (inFlight + 1) / count));

    /// <summary>The least busy destination (the first of equals): for requests that name no tenant.</summary>
    public static int LeastBusy(int count, Func<int, int> loadOf)
    {
        var best = -1;
        for (var i = 0; i < count; i++)
        {
            if (best < 0 || loadOf(i) < loadOf(best))
            {
                best = i;
            }
        }

        return best;
    }
}
