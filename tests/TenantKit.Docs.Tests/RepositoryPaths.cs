namespace TenantKit.Docs.Tests;

/// <summary>Finds the repository's root from the test's output folder (the folder holding TenantKit.sln).</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TenantKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No TenantKit.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => LazyRoot.Value;
}
