using TenantKit.Yarp.Routing;

namespace TenantKit.Yarp.Tests.Routing;

/// <summary>Rendezvous hashing with bounded loads, on identifiers shaped like real ones (t0 ... t9999).</summary>
public sealed class AffinityChooserTests
{
    private static readonly string[] Tenants = [.. Enumerable.Range(0, 10_000).Select(i => $"t{i}")];

    [Fact]
    public void TenThousandTenantsOverThreeDestinations_EachGetsAThirdWithinFivePercent()
    {
        var counts = Assign(["a", "b", "c"]).GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(3, counts.Count);
        // 3,333 each ± 5 % (3,167 to 3,500): a binomial spread has a standard deviation of about 47 here.
        Assert.All(counts.Values, count => Assert.InRange(count, 3_167, 3_500));
    }

    [Fact]
    public void TenThousandTenantsOverFiftyDestinations_NoneHoldsMoreThanTwiceItsShare()
    {
        var destinations = Enumerable.Range(0, 50).Select(i => $"node-{i}").ToArray();
        var counts = Assign(destinations).GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(50, counts.Count);
        Assert.All(counts.Values, count => Assert.InRange(count, 100, 400));
    }

    [Fact]
    public void DestinationRemoved_OnlyItsOwnTenantsMove()
    {
        var before = Assign(["a", "b", "c", "d"]);
        var after = Assign(["a", "b", "d"]);

        var moved = Tenants.Where(t => before[t] != after[t]).ToList();
        Assert.All(moved, t => Assert.Equal("c", before[t]));
        Assert.Equal(before.Count(p => p.Value == "c"), moved.Count);
    }

    [Fact]
    public void DestinationAdded_AboutOneNthMove_AllToTheNewOne()
    {
        var before = Assign(["a", "b", "c"]);
        var after = Assign(["a", "b", "c", "d"]);

        var moved = Tenants.Where(t => before[t] != after[t]).ToList();
        Assert.All(moved, t => Assert.Equal("d", after[t]));
        // 1/4 of 10,000 = 2,500 ± 10 %.
        Assert.InRange(moved.Count, 2_250, 2_750);
    }

    [Fact]
    public void DestinationComesBack_ItsTenantsReturnAndNoOtherMoves()
    {
        var all = Assign(["a", "b", "c"]);
        var withoutC = Assign(["a", "b"]);
        var back = Assign(["a", "b", "c"]);

        Assert.Equal(all, back);
        Assert.All(Tenants.Where(t => all[t] != "c"), t => Assert.Equal(all[t], withoutC[t]));
    }

    [Fact]
    public void FirstChoiceOverTheBound_RequestGoesToTheNextChoice()
    {
        string[] ids = ["a", "b", "c"];
        var tenant = RendezvousHash.Of("acme");
        var order = AffinityChooser.Rank(tenant, ids);
        var loads = new int[3];
        loads[order[0]] = 40;   // in flight: 40 + 5 + 5 = 50; capacity ceil(1.25 * 51 / 3) = 22
        loads[order[1]] = 5;
        loads[order[2]] = 5;

        var chosen = AffinityChooser.Choose(tenant, 3, i => ids[i], i => loads[i], loadBound: 0.25, minimumLoadBeforeSpill: 1);

        Assert.Equal(order[1], chosen);
    }

    [Fact]
    public void FirstAndSecondChoicesFull_RequestGoesToTheThird()
    {
        string[] ids = ["a", "b", "c"];
        var tenant = RendezvousHash.Of("acme");
        var order = AffinityChooser.Rank(tenant, ids);
        var loads = new int[3];
        loads[order[0]] = 30;   // 60 in flight: capacity ceil(1.25 * 61 / 3) = 26
        loads[order[1]] = 30;
        loads[order[2]] = 0;

        Assert.Equal(order[2], AffinityChooser.Choose(tenant, 3, i => ids[i], i => loads[i], 0.25, 1));
    }

    [Fact]
    public void FirstChoiceBelowTheSpillFloor_KeepsItsTenantsWhateverTheAverage()
    {
        string[] ids = ["a", "b", "c"];
        var tenant = RendezvousHash.Of("acme");
        var order = AffinityChooser.Rank(tenant, ids);
        var loads = new int[3];
        loads[order[0]] = 3;    // far above the average (1), below the floor of 16

        Assert.Equal(order[0], AffinityChooser.Choose(tenant, 3, i => ids[i], i => loads[i], 0.25, 16));
    }

    [Fact]
    public void Capacity_IsOnePlusEpsilonTimesTheAverageRoundedUp_AtLeastTheFloor()
    {
        Assert.Equal(22, AffinityChooser.Capacity(50, 3, 0.25, 1));
        Assert.Equal(14, AffinityChooser.Capacity(40, 3, 0, 1));
        Assert.Equal(16, AffinityChooser.Capacity(2, 3, 0.25, 16));
    }

    [Fact]
    public void LeastBusy_PicksTheDestinationWithFewestRequestsInFlight()
    {
        int[] loads = [4, 1, 3];
        Assert.Equal(1, AffinityChooser.LeastBusy(3, i => loads[i]));
    }

    [Fact]
    public void Hash_DependsOnTheIdentifierOnly()
    {
        Assert.Equal(RendezvousHash.Of("acme"), RendezvousHash.Of(new string("acme".ToCharArray())));
        Assert.NotEqual(RendezvousHash.Of("acme"), RendezvousHash.Of("acmf"));
    }

    private static Dictionary<string, string> Assign(string[] destinations)
        => Tenants.ToDictionary(t => t, t => destinations[AffinityChooser.Choose(RendezvousHash.Of(t), destinations.Length, i => destinations[i], _ => 0, 0.25, 16)]);
}
