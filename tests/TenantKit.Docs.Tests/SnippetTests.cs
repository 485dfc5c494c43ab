using System.Text;
using Xunit.Abstractions;

namespace TenantKit.Docs.Tests;

/// <summary>
/// Every ```csharp block of the READMEs and the documentation site compiles as written, with its own using lines, so a
/// snippet cannot rot. A block that is not a C# program (a signature list, a fragment of another file) must say so with
/// another language tag (```text, ```xml, ```json): no block is skipped silently.
/// </summary>
public sealed class SnippetTests(ITestOutputHelper output)
{
    public static TheoryData<string> CSharpSnippets()
    {
        var data = new TheoryData<string>();
        foreach (var snippet in Snippets.All().Where(s => IsCSharp(s.Language)))
        {
            data.Add(snippet.ToString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CSharpSnippets))]
    public void Snippet_compiles(string location)
    {
        var snippet = Find(location);
        var diagnostics = SnippetCompiler.Compile(snippet);
        if (diagnostics.Count == 0)
        {
            return;
        }

        var message = new StringBuilder($"{location} does not compile:\n");
        foreach (var diagnostic in diagnostics)
        {
            var span = diagnostic.Location.GetLineSpan();
            // Lines of the Markdown file, not of the block.
            message.Append(snippet.File).Append(':').Append(snippet.Line + span.StartLinePosition.Line + 1).Append(": ")
                .Append(diagnostic.Id).Append(' ').Append(diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        output.WriteLine(message.ToString());
        Assert.Fail(message.ToString());
    }

    [Fact]
    public void Every_code_block_names_its_language()
    {
        var unnamed = Snippets.All().Where(s => s.Language.Length == 0).Select(s => s.ToString()).ToList();
        Assert.True(unnamed.Count == 0, "Code blocks without a language (use csharp, text, json, bash...): " + string.Join(", ", unnamed));
    }

    [Fact]
    public void CSharp_blocks_are_tagged_csharp()
    {
        // `cs` or `c#` would escape the compile test.
        var others = Snippets.All().Where(s => s.Language is "cs" or "c#" or "C#").Select(s => s.ToString()).ToList();
        Assert.True(others.Count == 0, "Tag C# blocks ```csharp so they are compiled: " + string.Join(", ", others));
    }

    [Fact]
    public void The_documentation_has_CSharp_snippets()
    {
        // A test that cannot fail is a defect: if extraction broke, the theory above would have no case and pass.
        Assert.True(Snippets.All().Count(s => IsCSharp(s.Language)) >= 20);
    }

    private static bool IsCSharp(string language) => language is "csharp";

    private static Snippet Find(string location)
        => Snippets.All().Single(s => s.ToString() == location);
}
