namespace TenantKit.Docs.Tests;

/// <summary>
/// The documentation site builds with the repository's one command, <c>bash eng/docs.sh</c> (DocFX as a local tool,
/// warnings as errors): a broken link, an unresolved cross-reference or a bad TOC entry fails this test, with DocFX's
/// output as the message.
/// </summary>
public sealed class DocsSiteTests
{
    [Fact]
    public void The_site_builds_with_no_warning_and_no_broken_link()
    {
        var (exitCode, output) = ProcessRunner.Run("bash", ["eng/docs.sh"], RepositoryPaths.Root, TimeSpan.FromMinutes(15));

        Assert.True(exitCode == 0, $"bash eng/docs.sh exited with {exitCode}:\n{output}");
        Assert.DoesNotContain("warning", output.Replace("0 warning(s)", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        var site = Path.Combine(RepositoryPaths.Root, "docs", "_site");
        foreach (var page in new[] { "index.html", "articles/troubleshooting.html", "articles/migrating-from-finbuckle.html", "api/TenantKit.html" })
        {
            Assert.True(File.Exists(Path.Combine(site, page)), $"{page} was not generated");
        }
    }
}
