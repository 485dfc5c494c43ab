using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TenantKit.Runtime.Container;

namespace TenantKit.Tests.Runtime.Container;

/// <summary>What the specification suites leave open, pinned for the tenant container.</summary>
public class ContainerScopeTests
{
    [Fact]
    public void GetService_OfAnOpenGenericTypeItself_IsNull()
    {
        var services = new ServiceCollection().AddOptions();

        var root = Build(services);

        Assert.Null(root.GetService(typeof(IOptions<>)));
        Assert.NotNull(root.GetService(typeof(IOptions<Settings>)));
    }

    [Fact]
    public void ChildScope_AfterTheRootIsDisposed_RefusesToResolve()
    {
        var root = Build(new ServiceCollection().AddScoped<Settings>());
        var scope = root.CreateScope();

        root.Dispose();

        Assert.Throws<ObjectDisposedException>(() => scope.ServiceProvider.GetService(typeof(Settings)));
        Assert.Throws<ObjectDisposedException>(() => root.CreateScope());
    }

    [Fact]
    public void Transient_MadeWhileItsScopeIsDisposed_IsDisposedAtOnce()
    {
        var root = Build(new ServiceCollection().AddTransient<Disposable>());
        var scope = (ContainerScope)root.CreateScope();
        var late = new Disposable();

        scope.Dispose();

        Assert.Throws<ObjectDisposedException>(() => scope.Capture(late));
        Assert.True(late.Disposed);
    }

    [Fact]
    public void Validate_ListsEveryRegistrationThatCannotBeMade()
    {
        var services = new ServiceCollection()
            .AddSingleton<NeedsSettings>()
            .AddScoped<AlsoNeedsSettings>();
        var descriptors = services.ToArray();
        var plan = new ContainerPlan(descriptors, descriptors.Length, validateScopes: true);

        var ex = Assert.Throws<AggregateException>(plan.Validate);

        Assert.Equal(2, ex.InnerExceptions.Count);
        Assert.Contains(nameof(NeedsSettings), ex.InnerExceptions[0].Message);
        Assert.Contains(nameof(AlsoNeedsSettings), ex.InnerExceptions[1].Message);
    }

    [Fact]
    public void Singleton_ReturningNullFromItsFactory_IsMadeOnce()
    {
        var calls = 0;
        var root = Build(new ServiceCollection().AddSingleton<Settings>(_ =>
        {
            calls++;
            return null!;
        }));

        Assert.Null(root.GetService(typeof(Settings)));
        Assert.Null(root.GetService(typeof(Settings)));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task DisposeAsync_AwaitsAnAsyncDisposal_ThenDisposesTheRestInReverseOrder()
    {
        var order = new List<string>();
        var gate = new TaskCompletionSource();
        var root = Build(new ServiceCollection()
            .AddKeyedSingleton("first", (_, _) => new Named("first", order))
            .AddSingleton(_ => new SlowAsync(gate.Task, order))
            .AddKeyedSingleton("third", (_, _) => new Named("third", order)));
        root.GetRequiredKeyedService<Named>("first");
        root.GetRequiredService<SlowAsync>();
        root.GetRequiredKeyedService<Named>("third");

        var disposing = root.DisposeAsync();
        Assert.False(disposing.IsCompleted);
        Assert.Equal(["third"], order);
        gate.SetResult();
        await disposing;

        Assert.Equal(["third", "slow", "first"], order);
    }

    [Fact]
    public async Task SlowSingleton_BeingMade_DoesNotHoldUpAnotherSingletonOfTheSameContainer()
    {
        using var started = new ManualResetEventSlim();
        using var otherMade = new ManualResetEventSlim();
        var sawOther = false;
        var root = Build(new ServiceCollection()
            .AddSingleton(_ =>
            {
                started.Set();
                // Blocks until another thread has made the other singleton: one lock for the whole root would deadlock.
                sawOther = otherMade.Wait(TimeSpan.FromSeconds(10));
                return new Settings();
            })
            .AddSingleton<Disposable>());

        var slow = Task.Run(() => root.GetService(typeof(Settings)));
        started.Wait(TimeSpan.FromSeconds(10));
        var other = await Task.Run(() => root.GetService(typeof(Disposable)));
        otherMade.Set();
        await slow;

        Assert.NotNull(other);
        Assert.True(sawOther);
    }

    [Fact]
    public void AnyKeyRegistration_AskedUnderManyKeys_KeepsOneInstancePerKeyWithoutGrowingThePlansSlots()
    {
        var services = new ServiceCollection()
            .AddKeyedScoped<Settings>(KeyedService.AnyKey, (_, _) => new Settings())
            .AddKeyedSingleton<Disposable>(KeyedService.AnyKey, (_, _) => new Disposable());
        var root = Build(services);
        using var first = root.CreateScope();
        using var second = root.CreateScope();

        for (var i = 0; i < 2_000; i++)
        {
            var key = $"user-{i}";
            var scoped = first.ServiceProvider.GetRequiredKeyedService<Settings>(key);
            Assert.Same(scoped, first.ServiceProvider.GetRequiredKeyedService<Settings>(key));
            Assert.NotSame(scoped, second.ServiceProvider.GetRequiredKeyedService<Settings>(key));
            Assert.Same(root.GetRequiredKeyedService<Disposable>(key), second.ServiceProvider.GetRequiredKeyedService<Disposable>(key));
        }

        Assert.Equal(0, root.Plan.ScopedSlots);
        Assert.Equal(0, root.Plan.SingletonSlots);
        Assert.NotSame(root.GetRequiredKeyedService<Disposable>("user-1"), root.GetRequiredKeyedService<Disposable>("user-2"));
    }

    [Fact]
    public async Task DisposeAsync_ADisposalThatThrows_IsReportedThroughTheTask()
    {
        var root = Build(new ServiceCollection().AddSingleton<Throwing>());
        root.GetService(typeof(Throwing));

        var disposing = root.DisposeAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => disposing.AsTask());
        Assert.Equal("disposal failed", ex.Message);
    }

    private static ContainerScope Build(IServiceCollection services)
    {
        var descriptors = services.ToArray();
        return new ContainerScope(new ContainerPlan(descriptors, descriptors.Length, validateScopes: false), []);
    }

    private sealed class Settings;

    private sealed class NeedsSettings(Settings settings)
    {
        public Settings Settings { get; } = settings;
    }

    private sealed class AlsoNeedsSettings(Settings settings)
    {
        public Settings Settings { get; } = settings;
    }

    private sealed class Disposable : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class Throwing : IDisposable
    {
        public void Dispose() => throw new InvalidOperationException("disposal failed");
    }

    private sealed class Named(string name, List<string> order) : IDisposable
    {
        public void Dispose() => order.Add(name);
    }

    private sealed class SlowAsync(Task gate, List<string> order) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await gate;
            order.Add("slow");
        }
    }
}
