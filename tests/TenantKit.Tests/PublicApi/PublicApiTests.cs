using System.Runtime.CompilerServices;
using PublicApiGenerator;
using Snapshooter.Xunit;

namespace TenantKit.Tests.PublicApi;

/// <summary>
/// The public surface of the TenantKit package as C#, compared with the committed snapshot. A change to the public API
/// fails this test until the snapshot under <c>__snapshots__</c> is reviewed and updated (delete it and run again).
/// </summary>
public class PublicApiTests
{
    [Fact]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void TenantKit_PublicApi_MatchesTheSnapshot()
    {
        var api = typeof(TenantInfo).Assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            // Build metadata (commit hash, repository) differs between machines; the surface does not.
            ExcludeAttributes =
            [
                "System.Reflection.AssemblyMetadataAttribute",
                "System.Reflection.AssemblyInformationalVersionAttribute",
            ],
        });

        Snapshot.Match(api);

        // Snapshooter finds its folder through the source path compiled into the tests; if a build maps source paths
        // (CI deterministic paths), it would silently write a new snapshot elsewhere instead of comparing.
        Assert.True(File.Exists(SnapshotPath()), $"The snapshot was not found at {SnapshotPath()}.");
    }

    private static string SnapshotPath([CallerFilePath] string source = "")
        => Path.Combine(Path.GetDirectoryName(source)!, "__snapshots__", $"{nameof(PublicApiTests)}.{nameof(TenantKit_PublicApi_MatchesTheSnapshot)}.snap");
}
