using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TenantKit.Runtime;

namespace TenantKit.Tests.Runtime.Container;

/// <summary>
/// The collection a tenant's configuration edits behaves as a <see cref="List{T}"/> holding the template then the
/// additions would, whatever the edits; it copies the template only when the template's part changes.
/// </summary>
public class TenantServiceCollectionTests
{
    private static readonly ServiceDescriptor[] Template =
        [.. Enumerable.Range(0, 12).Select(i => ServiceDescriptor.Singleton(typeof(Marker), new Marker(i)))];

    [Fact]
    public void Additions_LeaveTheTemplateShared_AndAreTheOwnDescriptors()
    {
        var services = new TenantServiceCollection(Template);
        var tenant = ServiceDescriptor.Singleton(new Marker(100));
        services.Add(tenant);
        services.TryAddSingleton(new Other());
        services.TryAddSingleton(new Marker(101)); // already registered by the template: not added

        Assert.Equal(Template.Length, services.SharedCount);
        Assert.Equal(Template.Length + 2, services.Count);
        var own = services.Own();
        Assert.Equal(2, own.Length);
        Assert.Same(tenant, own[0]);
        Assert.Equal(typeof(Other), own[1].ServiceType);
        Assert.Equal([.. Template, tenant, own[1]], services);
    }

    [Fact]
    public void AChangeToTheTemplatesPart_MakesEveryDescriptorTheTenantsOwn()
    {
        var services = new TenantServiceCollection(Template);
        services.Add(ServiceDescriptor.Singleton(new Other()));
        services.Replace(ServiceDescriptor.Singleton(new Marker(7)));

        Assert.Equal(0, services.SharedCount);
        var own = services.Own();
        Assert.Equal(services.Count, own.Length);
        Assert.Equal(services, own);
        Assert.Equal(7, ((Marker)own.Last().ImplementationInstance!).Number); // Replace removes the first, appends the new
        Assert.Same(Template[1], own[0]);
        Assert.Equal(Template.Length, Template.Distinct().Count()); // the template itself is untouched
    }

    [Fact]
    public void ChangingTheCollectionWhileEnumerating_Throws_AsAListDoes()
    {
        var services = new TenantServiceCollection(Template);
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var _ in services)
            {
                services.Add(ServiceDescriptor.Singleton(new Other()));
            }
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomEdits_MatchAList(int seed)
    {
        var random = new Random(seed);
        var services = new TenantServiceCollection(Template);
        var expected = new List<ServiceDescriptor>(Template);
        var templateTouched = false;
        for (var step = 0; step < 400; step++)
        {
            var item = ServiceDescriptor.Singleton(new Marker(1000 + step));
            switch (random.Next(8))
            {
                case 0 or 1 or 2:
                    services.Add(item);
                    expected.Add(item);
                    break;
                case 3:
                    var at = random.Next(expected.Count + 1);
                    templateTouched |= at < Template.Length;
                    services.Insert(at, item);
                    expected.Insert(at, item);
                    break;
                case 4 when expected.Count > 0:
                    var remove = random.Next(expected.Count);
                    templateTouched |= remove < Template.Length;
                    services.RemoveAt(remove);
                    expected.RemoveAt(remove);
                    break;
                case 5 when expected.Count > 0:
                    var set = random.Next(expected.Count);
                    templateTouched |= set < Template.Length;
                    services[set] = item;
                    expected[set] = item;
                    break;
                case 6:
                    var existing = expected.Count > 0 && random.Next(2) == 0 ? expected[random.Next(expected.Count)] : item;
                    templateTouched |= expected.IndexOf(existing) is >= 0 and var i && i < Template.Length;
                    Assert.Equal(expected.Remove(existing), services.Remove(existing));
                    break;
                default:
                    var probe = expected.Count > 0 ? expected[random.Next(expected.Count)] : item;
                    Assert.Equal(expected.IndexOf(probe), services.IndexOf(probe));
                    Assert.Equal(expected.Contains(item), services.Contains(item));
                    break;
            }

            Assert.Equal(expected.Count, services.Count);
            if (random.Next(20) == 0)
            {
                Assert.Equal(expected, services);
                var copy = new ServiceDescriptor[expected.Count + 3];
                services.CopyTo(copy, 3);
                Assert.Equal(expected, copy.Skip(3));
                Assert.Equal(expected[^1], services[services.Count - 1]);
            }
        }

        Assert.Equal(expected, services);
        Assert.Equal(templateTouched ? 0 : Template.Length, services.SharedCount);
        Assert.Equal(expected.Skip(services.SharedCount), services.Own());
        Assert.Equal(Template.Select((d, i) => ((Marker)d.ImplementationInstance!).Number == i), Enumerable.Repeat(true, Template.Length));
    }

    [Fact]
    public void Clear_EmptiesIt_AndNothingIsShared()
    {
        var services = new TenantServiceCollection(Template);
        services.Add(ServiceDescriptor.Singleton(new Other()));
        services.Clear();
        Assert.Empty(services);
        Assert.Equal(0, services.SharedCount);
        services.Add(ServiceDescriptor.Singleton(new Other()));
        Assert.Single(services.Own());
    }

    [Fact]
    public void OutOfRangeIndexes_Throw()
    {
        var services = new TenantServiceCollection(Template);
        Assert.Throws<ArgumentOutOfRangeException>(() => services[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => services[Template.Length]);
        Assert.Throws<ArgumentOutOfRangeException>(() => services.RemoveAt(Template.Length));
        Assert.Throws<ArgumentException>(() => services.CopyTo(new ServiceDescriptor[Template.Length - 1], 0));
    }

    private sealed record Marker(int Number);

    private sealed class Other;
}
