using System.Diagnostics;

namespace TenantKit.Tests.Engineering;

/// <summary>
/// <c>eng/test.sh</c>, the one test command, run for real on a copy of itself next to a service script that cannot
/// start: whatever stops a run, its last line is the promised <c>N passed, N failed</c> and it exits non-zero.
/// </summary>
public sealed class TestScriptTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("tenantkit-test-script-");

    [Fact]
    public async Task TestScript_WhenAServiceCannotStart_EndsWithTheSummaryLineAndFails()
    {
        var services = Directory.CreateDirectory(Path.Combine(_root.FullName, "eng", "services"));
        File.Copy(Path.Combine(RepositoryRoot(), "eng", "test.sh"), Path.Combine(_root.FullName, "eng", "test.sh"));
        await File.WriteAllTextAsync(Path.Combine(services.FullName, "broken.sh"), "echo 'broken: the server did not start' >&2\nreturn 1\n");

        var (exitCode, output, errors) = await RunAsync("bash", Path.Combine(_root.FullName, "eng", "test.sh"));

        Assert.NotEqual(0, exitCode);
        // It stopped at the service: nothing was built or tested (no "== Project" lines), and said why.
        Assert.Equal(["0 passed, 1 failed"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("could not start the service in eng/services/broken.sh", errors, StringComparison.Ordinal);
    }

    public void Dispose() => _root.Delete(recursive: true);

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TenantKit.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"No TenantKit.sln above {AppContext.BaseDirectory}.");
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string fileName, string argument)
    {
        var start = new ProcessStartInfo(fileName, [argument])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {argument} did not finish within 30 s: {await output}{await errors}");
        }

        return (process.ExitCode, await output, await errors);
    }
}
