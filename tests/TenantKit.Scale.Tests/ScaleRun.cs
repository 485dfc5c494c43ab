namespace TenantKit.Scale.Tests;

/// <summary>A scale run made once for a test class (a class fixture), its output in a temporary folder deleted after.</summary>
public abstract class ScaleRun : IAsyncLifetime
{
    /// <summary>The run's options; <see cref="ScaleOptions.Output"/> is a folder of its own.</summary>
    public abstract ScaleOptions Options { get; }

    public Summary Summary { get; private set; } = null!;

    public async Task InitializeAsync() => Summary = await ScaleDriver.RunAndWriteAsync(Options);

    public Task DisposeAsync()
    {
        Directory.Delete(Options.Output, recursive: true);
        return Task.CompletedTask;
    }

    protected static string TemporaryFolder(string name)
        => Path.Combine(Path.GetTempPath(), $"tenantkit-scale-{name}-{Guid.NewGuid():N}");
}
