namespace TenantKit.MultiNode.Node.Hosting;

/// <summary>
/// Stops the node when its standard input reaches its end: the test process holds the other end of the pipe, so when
/// it dies (even killed), the node stops too instead of living on as an orphan. A node that does not stop within
/// 10 seconds exits anyway.
/// </summary>
public sealed class InputWatch(IHostApplicationLifetime lifetime, ILogger<InputWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var input = Console.OpenStandardInput();
        var buffer = new byte[256];
        try
        {
            while (await input.ReadAsync(buffer, stoppingToken) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        logger.LogWarning("Standard input closed: the node stops.");
        lifetime.StopApplication();
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None);
            Environment.Exit(3);
        }, CancellationToken.None);
    }
}
