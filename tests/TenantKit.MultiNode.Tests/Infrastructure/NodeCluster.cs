using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace TenantKit.MultiNode.Tests.Infrastructure;

/// <summary>
/// Application nodes (tests/TenantKit.MultiNode.Node) as processes on 127.0.0.1 sharing one catalog database and, when
/// given, one Redis change feed; with the administration and tenant requests the tests send them.
/// </summary>
public sealed class NodeCluster : IAsyncDisposable
{
    /// <summary>The slow poll of the catalog's change log while the Redis feed is connected.</summary>
    public static readonly TimeSpan ChangePollInterval = TimeSpan.FromSeconds(10);

    /// <summary>The poll of the catalog's change log while the Redis feed is disconnected.</summary>
    public static readonly TimeSpan FallbackChangePollInterval = TimeSpan.FromSeconds(1);

    private readonly List<NodeProcess> _nodes = [];
    private readonly Lock _gate = new();
    private readonly string _adminKey = Guid.NewGuid().ToString("N");

    private NodeCluster(string catalog, string? redis)
    {
        Catalog = catalog;
        Redis = redis;
    }

    /// <summary>The catalog's (and the tenants' shared tables') connection string.</summary>
    public string Catalog { get; }

    /// <summary>The Redis configuration the nodes' change feed uses, or null (no distributed feed).</summary>
    public string? Redis { get; }

    public IReadOnlyList<NodeProcess> Nodes
    {
        get
        {
            lock (_gate)
            {
                return [.. _nodes];
            }
        }
    }

    public NodeProcess this[string name] => Nodes.Single(n => n.Name == name);

    /// <summary>Starts one node per name, at the same time, and waits until every one is ready.</summary>
    public static async Task<NodeCluster> StartAsync(string catalog, string? redis, params string[] names)
    {
        var cluster = new NodeCluster(catalog, redis);
        try
        {
            // One node first: it creates the catalog and the shared tables, so the others find them (starting them all
            // at once is safe too, but this keeps the first test's start-up free of DDL races it does not test).
            await cluster.StartNodeAsync(names[0]);
            await Task.WhenAll(names.Skip(1).Select(cluster.StartNodeAsync));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more node with the cluster's settings.</summary>
    public async Task<NodeProcess> StartNodeAsync(string name)
    {
        var arguments = new List<string>
        {
            $"--Node:Id={name}",
            $"--Node:AdminKey={_adminKey}",
            $"--ConnectionStrings:Catalog={Catalog}",
            $"--TenantKit:Catalog:ChangePollInterval={ChangePollInterval.ToString("c", CultureInfo.InvariantCulture)}",
            $"--TenantKit:Catalog:FallbackChangePollInterval={FallbackChangePollInterval.ToString("c", CultureInfo.InvariantCulture)}",
        };
        if (Redis is not null)
        {
            arguments.Add($"--ConnectionStrings:Redis={Redis}");
        }

        var assembly = NodeProcess.FindAssembly("TenantKit.MultiNode.Node", typeof(NodeCluster).Assembly);
        var node = await NodeProcess.StartAsync(name, assembly, arguments);
        lock (_gate)
        {
            _nodes.Add(node);
        }

        return node;
    }

    /// <summary>Stops a node and forgets it (a node the test killed, or one it started for itself).</summary>
    public async Task RemoveAsync(NodeProcess node)
    {
        lock (_gate)
        {
            _nodes.Remove(node);
        }

        await node.DisposeAsync();
    }

    /// <summary>Waits until every node reports every check healthy (the change feed connected, the catalog answering).</summary>
    public Task WaitUntilHealthyAsync(TimeSpan within) => Eventually.UntilAsync("every node reports Healthy", within, async () =>
    {
        var health = await Task.WhenAll(Nodes.Select(Health.ReadAsync));
        return (health.All(h => h.Code == HttpStatusCode.OK && h.Status == "Healthy"), string.Join('\n', health.Select(h => h.ToString())));
    }, Describe);

    /// <summary>Every node's recent output, for a failure message.</summary>
    public string Describe() => string.Join('\n', Nodes.Select(n => n.Describe()));

    // ---- tenant requests: the Host header names the tenant ({tenant}.localhost) ----

    /// <summary>Sends a request as tenant <paramref name="identifier"/> to <paramref name="node"/>; a request that gets no answer is a <see cref="Reply.Failed"/>.</summary>
    public static async Task<Reply> SendAsTenantAsync(NodeProcess node, string identifier, HttpMethod method, string path, object? body = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Host = $"{identifier}.localhost";
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        try
        {
            using var response = await node.Client.SendAsync(request, cancellationToken);
            return await Reply.ReadAsync(node.Name, response);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Reply.Failed(node.Name, e);
        }
    }

    public static Task<Reply> WhoAmIAsync(NodeProcess node, string identifier) => SendAsTenantAsync(node, identifier, HttpMethod.Get, "/whoami");

    /// <summary>Asks every node at once.</summary>
    public async Task<Reply[]> WhoAmIEverywhereAsync(string identifier, IEnumerable<NodeProcess>? nodes = null)
        => await Task.WhenAll((nodes ?? Nodes).Select(n => WhoAmIAsync(n, identifier)));

    /// <summary>Serves the tenant on every node once, so each has it cached and resident (asserts 200 everywhere).</summary>
    public async Task WarmAsync(string identifier, IEnumerable<NodeProcess>? nodes = null)
    {
        var replies = await WhoAmIEverywhereAsync(identifier, nodes);
        Assert.True(replies.All(r => r.Status == HttpStatusCode.OK), $"{identifier} is not served everywhere:\n{string.Join('\n', replies.Select(r => r.ToString()))}");
    }

    // ---- administration, through one node ----

    public async Task<TenantResource> CreateTenantAsync(NodeProcess via, string identifier, IReadOnlyDictionary<string, string>? properties = null)
    {
        var reply = await AdminAsync(via, HttpMethod.Post, "/admin/tenants", new { identifier, name = identifier, properties = properties ?? new Dictionary<string, string>() });
        return Expect(reply, HttpStatusCode.Created);
    }

    public async Task<TenantResource> GetTenantAsync(NodeProcess via, string id)
        => Expect(await AdminAsync(via, HttpMethod.Get, $"/admin/tenants/{id}"), HttpStatusCode.OK);

    public async Task<TenantResource> SuspendAsync(NodeProcess via, string id)
        => Expect(await AdminAsync(via, HttpMethod.Post, $"/admin/tenants/{id}/suspend"), HttpStatusCode.OK);

    public async Task<TenantResource> ResumeAsync(NodeProcess via, string id)
        => Expect(await AdminAsync(via, HttpMethod.Post, $"/admin/tenants/{id}/resume"), HttpStatusCode.OK);

    public async Task<TenantResource> UpdatePropertiesAsync(NodeProcess via, TenantResource tenant, IReadOnlyDictionary<string, string> properties)
        => Expect(await AdminAsync(via, HttpMethod.Patch, $"/admin/tenants/{tenant.Id}", new { properties }, tenant.Version), HttpStatusCode.OK);

    public async Task DeleteAsync(NodeProcess via, TenantResource tenant)
    {
        var reply = await AdminAsync(via, HttpMethod.Delete, $"/admin/tenants/{tenant.Id}", ifMatch: tenant.Version);
        Assert.True(reply.Status == HttpStatusCode.NoContent, $"DELETE {tenant.Identifier}: {reply}");
    }

    /// <summary>Asks for a reload of the tenant through this node (202): every node should build a new generation.</summary>
    public async Task ReloadAsync(NodeProcess via, string id)
    {
        var reply = await AdminAsync(via, HttpMethod.Post, $"/admin/tenants/{id}/reload");
        Assert.True(reply.Status == HttpStatusCode.Accepted, $"reload {id}: {reply}");
    }

    /// <summary>This node unloads the tenant (its container only; the catalog cache keeps it).</summary>
    public async Task UnloadAsync(NodeProcess via, string id)
    {
        var reply = await AdminAsync(via, HttpMethod.Post, $"/admin/tenants/{id}/unload");
        Assert.True(reply.Status == HttpStatusCode.OK, $"unload {id}: {reply}");
    }

    public async Task<Reply> AdminAsync(NodeProcess via, HttpMethod method, string path, object? body = null, long? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Admin-Key", _adminKey);
        if (ifMatch is { } version)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version.ToString(CultureInfo.InvariantCulture)}\""));
        }

        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");
        }

        using var response = await via.Client.SendAsync(request);
        return await Reply.ReadAsync(via.Name, response);
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask()));
    }

    private static TenantResource Expect(Reply reply, HttpStatusCode status)
    {
        Assert.True(reply.Status == status, $"expected {(int)status}, got {reply}");
        return JsonSerializer.Deserialize<TenantResource>(reply.Body, JsonSerializerOptions.Web)!;
    }
}

/// <summary>A tenant as the administration endpoints return it (the fields the tests use).</summary>
public sealed record TenantResource(string Id, string Identifier, string State, long Version, Dictionary<string, string> Properties, TenantRuntimeResource? Runtime);

/// <summary>What the answering node's runtime knows of the tenant.</summary>
public sealed record TenantRuntimeResource(bool Resident, long Generation, string? LastUnloadReason);
