using System.Text.Json;
using System.Text.Json.Serialization;

namespace TenantKit.AspNetCore.Administration;

/// <summary>A tenant as the administration endpoints show it, with what this node's runtime knows of it.</summary>
internal sealed record TenantResource(
    string Id,
    string Identifier,
    string Name,
    string State,
    string? Region,
    string? Owner,
    IReadOnlyDictionary<string, string> Properties,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    TenantRuntimeResource Runtime)
{
    public static TenantResource From(TenantInfo tenant, TenantRuntimeStatus? status)
        => new(
            tenant.Id,
            tenant.Identifier,
            tenant.Name,
            EnumName(tenant.State),
            tenant.Region,
            tenant.Owner,
            new SortedDictionary<string, string>(tenant.Properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal),
            tenant.Version,
            tenant.CreatedAt,
            tenant.UpdatedAt,
            TenantRuntimeResource.From(status));

    public static string EnumName<TEnum>(TEnum value)
        where TEnum : struct, Enum
        => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}

/// <summary>The runtime side of a tenant on the node that answered.</summary>
internal sealed record TenantRuntimeResource(
    bool Resident,
    long Generation,
    string? State,
    int LeasesOut,
    DateTimeOffset? LastAccess,
    TimeSpan? IdleTimeLeft,
    string? LastUnloadReason,
    DateTimeOffset? LastUnloadAt,
    string? LastError,
    DateTimeOffset? RetryAt)
{
    private static readonly TenantRuntimeResource Unknown = new(false, 0, null, 0, null, null, null, null, null, null);

    public static TenantRuntimeResource From(TenantRuntimeStatus? status)
        => status is null
            ? Unknown
            : new(
                status.IsResident,
                status.Generation,
                StateOf(status),
                status.LeasesOut,
                status.LastAccess,
                status.IdleTimeLeft,
                status.LastUnloadReason is { } reason ? TenantResource.EnumName(reason) : null,
                status.LastUnloadAt,
                status.LastError,
                status.RetryAt);

    /// <summary>
    /// <c>active</c> while a generation serves, <c>building</c> while the first one builds, <c>failed</c> while the
    /// runtime backs off after a failed build; <see langword="null"/> when not in memory.
    /// </summary>
    private static string? StateOf(TenantRuntimeStatus status)
        => status.IsResident ? "active"
            : status.IsBuilding ? "building"
            : status.LastError is not null ? "failed"
            : null;
}

/// <summary>One page of tenants.</summary>
internal sealed record TenantListResource(IReadOnlyList<TenantResource> Items, int TotalCount, int Skip, int Take);

/// <summary>The body of <c>POST {prefix}</c>.</summary>
internal sealed class CreateTenantRequest
{
    public string? Id { get; set; }

    public string? Identifier { get; set; }

    public string? Name { get; set; }

    public string? State { get; set; }

    public string? Region { get; set; }

    public string? Owner { get; set; }

    public Dictionary<string, string>? Properties { get; set; }
}

/// <summary>The body of <c>PATCH {prefix}/{id}</c>: absent fields stay as they are.</summary>
internal sealed class UpdateTenantRequest
{
    public string? Identifier { get; set; }

    public string? Name { get; set; }

    public string? Region { get; set; }

    public string? Owner { get; set; }

    public Dictionary<string, string>? Properties { get; set; }
}

/// <summary>The body of <c>PUT {prefix}/{id}/plan</c>: the plan name, or <see langword="null"/> for none.</summary>
internal sealed class SetPlanRequest
{
    public string? Plan { get; set; }
}

/// <summary>Serializes the administration endpoints' bodies without reflection. Unknown request fields are refused.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = false)]
[JsonSerializable(typeof(TenantResource))]
[JsonSerializable(typeof(TenantListResource))]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(UpdateTenantRequest))]
[JsonSerializable(typeof(SetPlanRequest))]
internal sealed partial class AdministrationJsonContext : JsonSerializerContext;
