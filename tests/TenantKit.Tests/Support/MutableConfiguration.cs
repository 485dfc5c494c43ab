using Microsoft.Extensions.Configuration;

namespace TenantKit.Tests.Support;

/// <summary>A configuration whose whole content a test replaces at will, raising the reload token or not.</summary>
internal sealed class MutableConfiguration : IConfigurationSource
{
    private readonly Provider _provider = new();

    public MutableConfiguration(IDictionary<string, string?> initial)
    {
        _provider.Replace(initial);
        Root = new ConfigurationBuilder().Add(this).Build();
    }

    public IConfigurationRoot Root { get; }

    /// <summary>Replaces the content without announcing it (a test then reloads the store by hand).</summary>
    public void Replace(IDictionary<string, string?> data) => _provider.Replace(data);

    /// <summary>Replaces the content and raises the reload token, as a changed file does.</summary>
    public void ReplaceAndReload(IDictionary<string, string?> data)
    {
        _provider.Replace(data);
        _provider.RaiseReload();
    }

    IConfigurationProvider IConfigurationSource.Build(IConfigurationBuilder builder) => _provider;

    private sealed class Provider : ConfigurationProvider
    {
        public void Replace(IDictionary<string, string?> data)
            => Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);

        public void RaiseReload() => OnReload();
    }
}
