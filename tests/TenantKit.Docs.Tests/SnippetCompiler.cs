using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TenantKit.Docs.Tests;

/// <summary>
/// Compiles one snippet as it is written, as a C# program of its own: top-level statements if it has any (else a
/// library), nullable on, no implicit usings (a snippet shows every using it needs), against the assemblies this test
/// runs with: the .NET and ASP.NET Core shared frameworks, the four TenantKit packages, EF Core with SQLite and
/// PostgreSQL, Microsoft.Extensions.Hosting.
/// </summary>
public static class SnippetCompiler
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => !Path.GetFileName(path).StartsWith("TenantKit.Docs.Tests", StringComparison.Ordinal)
                && !Path.GetFileName(path).StartsWith("xunit", StringComparison.Ordinal)
                && !Path.GetFileName(path).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray());

    public static IReadOnlyList<Diagnostic> Compile(Snippet snippet)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var tree = CSharpSyntaxTree.ParseText(snippet.Code, parse, path: snippet.File);
        var hasStatements = tree.GetCompilationUnitRoot().Members.Any(m => m is Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax);
        var options = new CSharpCompilationOptions(hasStatements ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary)
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
            {
                // A snippet may declare a variable to show it (`var greeting = ...`) without reading it afterwards.
                ["CS0168"] = ReportDiagnostic.Suppress,
                ["CS0219"] = ReportDiagnostic.Suppress,
                // Async lambdas and top-level programs in fragments that await nothing.
                ["CS1998"] = ReportDiagnostic.Suppress,
            });
        var compilation = CSharpCompilation.Create($"Snippet_{Path.GetFileNameWithoutExtension(snippet.File)}_{snippet.Line}", [tree], References.Value, options);
        using var output = new MemoryStream();
        var result = compilation.Emit(output);
        return result.Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && !d.IsSuppressed))
            .ToList();
    }
}
