using Microsoft.Extensions.Logging;
using TenantKit.Catalog;
using TenantKit.Tests.Support;

namespace TenantKit.Tests.Catalog;

public class TenantChangeFeedTests
{
    private static readonly TenantChange Change = new(TenantChangeKind.Created, "id-acme", "acme", TestTenants.Create("acme"));

    [Fact]
    public void Publish_CallsEveryObserverInSubscriptionOrder()
    {
        var feed = new TenantChangeFeed();
        var calls = new List<string>();
        using var first = feed.Subscribe(c => calls.Add("first " + c.Identifier));
        using var second = feed.Subscribe(c => calls.Add("second " + c.Identifier));

        feed.Publish(Change);

        Assert.Equal(["first acme", "second acme"], calls);
    }

    [Fact]
    public void Publish_FailingObserver_IsLoggedAndTheOthersStillRun()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var feed = new TenantChangeFeed(factory.CreateLogger<TenantChangeFeed>());
        var reached = false;
        using var failing = feed.Subscribe(_ => throw new InvalidOperationException("observer bug"));
        using var healthy = feed.Subscribe(_ => reached = true);

        feed.Publish(Change);

        Assert.True(reached);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 1002 && e.Exception is InvalidOperationException);
    }

    [Fact]
    public void Dispose_Unsubscribes_AndTwiceIsHarmless()
    {
        var feed = new TenantChangeFeed();
        var count = 0;
        var subscription = feed.Subscribe(_ => count++);
        using var other = feed.Subscribe(_ => count += 10);

        subscription.Dispose();
        subscription.Dispose();
        feed.Publish(Change);

        Assert.Equal(10, count);
    }

    [Fact]
    public void SubscribeAndDispose_ConcurrentlyWithPublish_LoseNoObserver()
    {
        var feed = new TenantChangeFeed();
        var steady = 0;
        using var always = feed.Subscribe(_ => Interlocked.Increment(ref steady));

        Parallel.For(0, 2000, i =>
        {
            if (i % 2 == 0)
            {
                feed.Subscribe(_ => { }).Dispose();
            }
            else
            {
                feed.Publish(Change);
            }
        });

        Assert.Equal(1000, steady);
    }

    [Fact]
    public void PublishAndSubscribe_NullArguments_Throw()
    {
        var feed = new TenantChangeFeed();

        Assert.Throws<ArgumentNullException>(() => feed.Publish(null!));
        Assert.Throws<ArgumentNullException>(() => feed.Subscribe(null!));
    }
}
