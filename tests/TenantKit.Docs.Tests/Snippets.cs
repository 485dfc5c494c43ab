using System.Text.RegularExpressions;

namespace TenantKit.Docs.Tests;

/// <summary>A fenced code block of a Markdown file: its file (relative to the repository), first line and text.</summary>
public sealed record Snippet(string File, int Line, string Language, string Code)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>
/// Reads the fenced code blocks of the documentation: the root README, each package README and every page of
/// docs/ (not the API pages DocFX generates, nor its output).
/// </summary>
public static partial class Snippets
{
    public static IReadOnlyList<string> DocumentationFiles()
    {
        var root = RepositoryPaths.Root;
        var files = new List<string> { Path.Combine(root, "README.md") };
        files.AddRange(Directory.GetFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories));
        files.AddRange(Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
            .Where(f => !IsGenerated(Path.GetRelativePath(root, f))));
        var templates = Path.Combine(root, "templates");
        files.AddRange((Directory.Exists(templates) ? Directory.GetFiles(templates, "*.md", SearchOption.AllDirectories) : [])
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)));
        return files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
    }

    public static IEnumerable<Snippet> Read(string relativeFile)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, relativeFile));
        for (var i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            var indent = open.Groups["indent"].Value.Length;
            var fence = open.Groups["fence"].Value;
            var start = i + 1;
            var body = new List<string>();
            for (i++; i < lines.Length && !IsClosing(lines[i], fence); i++)
            {
                body.Add(lines[i].Length >= indent && string.IsNullOrWhiteSpace(lines[i][..indent]) ? lines[i][indent..] : lines[i].TrimStart());
            }

            yield return new Snippet(relativeFile, start, open.Groups["lang"].Value.Trim(), string.Join('\n', body));
        }
    }

    public static IEnumerable<Snippet> All() => DocumentationFiles().SelectMany(Read);

    private static bool IsGenerated(string relative)
    {
        var path = relative.Replace('\\', '/');
        return path.StartsWith("docs/api/", StringComparison.Ordinal) || path.StartsWith("docs/_site/", StringComparison.Ordinal)
            || path.StartsWith("docs/obj/", StringComparison.Ordinal);
    }

    private static bool IsClosing(string line, string fence)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]);
    }

    [GeneratedRegex(@"^(?<indent>\s*)(?<fence>```+|~~~+)(?<lang>[^`]*)$")]
    private static partial Regex Fence();
}
