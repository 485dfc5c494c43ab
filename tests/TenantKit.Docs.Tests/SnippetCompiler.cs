using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TenantKit.Docs.Tests;

/// <summary>
/// Compiles one snippet as it is written, as a C# program of its own: top-level statements if it has any (else a
/// library), nullable on, with the implicit usings of the plain .NET SDK only (<see cref="ImplicitUsings"/>, on in every
/// new project; the documentation says so) so a snippet shows every other using it needs, against the assemblies this test
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

    /// <summary>The global usings of <c>Microsoft.NET.Sdk</c> with <c>ImplicitUsings</c> on (not the Web SDK's extra ones).</summary>
    public const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    public static IReadOnlyList<Diagnostic> Compile(Snippet snippet)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var tree = CSharpSyntaxTree.ParseText(snippet.Code, parse, path: snippet.File);
        var usings = CSharpSyntaxTree.ParseText(ImplicitUsings, parse, path: "ImplicitUsings.g.cs");
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
                // A snippet may show a helper as a local function that the program does not call.
                ["CS8321"] = ReportDiagnostic.Suppress,
                // Npgsql was built against an older EF Core patch than the one referenced: unified at run time.
                ["CS1702"] = ReportDiagnostic.Suppress,
                // Yarp.ReverseProxy 2.3.0 was built against the 8.0 framework assemblies: unified with 10.0 at run time
                // (the .NET SDK suppresses CS1701 and CS1702 in every project by default).
                ["CS1701"] = ReportDiagnostic.Suppress,
            });
        var compilation = CSharpCompilation.Create($"Snippet_{Path.GetFileNameWithoutExtension(snippet.File)}_{snippet.Line}", [tree, usings], References.Value, options);
        using var output = new MemoryStream();
        var result = compilation.Emit(output);
        return result.Diagnostics
            .Where(d => d.Location.SourceTree != usings)
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && !d.IsSuppressed))
            .ToList();
    }
}
