using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace TenantKit.Redis.ChangeFeed;

/// <summary>Validates <see cref="RedisChangeFeedOptions"/>, reporting every problem in one message.</summary>
internal sealed class RedisChangeFeedOptionsValidator : IValidateOptions<RedisChangeFeedOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisChangeFeedOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            failures.Add("RedisChangeFeedOptions.Configuration must be a StackExchange.Redis configuration string such as 'localhost:6379'.");
        }
        else
        {
            try
            {
                if (ConfigurationOptions.Parse(options.Configuration).EndPoints.Count == 0)
                {
                    failures.Add("RedisChangeFeedOptions.Configuration names no Redis endpoint.");
                }
            }
            catch (ArgumentException ex)
            {
                failures.Add($"RedisChangeFeedOptions.Configuration is not a valid StackExchange.Redis configuration string: {ex.Message}");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Channel))
        {
            failures.Add("RedisChangeFeedOptions.Channel must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.NodeId) || options.NodeId.Length > RedisChangeMessage.MaxNodeIdLength)
        {
            failures.Add($"RedisChangeFeedOptions.NodeId must be 1 to {RedisChangeMessage.MaxNodeIdLength} characters (was '{options.NodeId}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
