using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime;

/// <summary>The message of a failed <see cref="HostSingletonCheck"/>: each shared singleton, its paths, and the fixes.</summary>
internal static class HostSingletonReport
{
    /// <summary>Starts the message, before the first singleton.</summary>
    public static StringBuilder Start()
        => new(
            "TenantKit refused to start: every tenant gets a host singleton as the host's one instance, built from the host's services, " +
            "so these would give every tenant the host's copy of a service each tenant must have its own:");

    /// <summary>Ends the message with the way to share on purpose.</summary>
    public static string End(StringBuilder message)
        => message.AppendLine()
            .Append("If a singleton must share the host's services with every tenant on purpose, exempt it with AllowSharedDependencies<T>().")
            .ToString();

    /// <summary>Adds one shared singleton with the path to each tenant-only service it reaches.</summary>
    public static void Describe(StringBuilder message, ServiceDescriptor descriptor, Type implementation, DependencyChain[] found)
    {
        message.Append("Host singleton '");
        AppendName(message, descriptor.ServiceType).Append('\'');
        if (descriptor.ServiceKey is { } key)
        {
            message.Append(" (key '").Append(key).Append("')");
        }

        for (var i = 0; i < found.Length; i++)
        {
            var leaf = found[i].Leaf;
            message.Append(i == 0 ? " depends on '" : ", and on '");
            AppendName(message, leaf.Service).Append(leaf.TenantOnly ? "', which exists only inside a tenant (" : "', which every tenant must get its own (");
            AppendStep(message, descriptor.ServiceType, implementation);
            for (var step = found[i]; step is not null; step = step.Next)
            {
                AppendStep(message.Append(" -> "), step.Service, step.Implementation);
            }

            message.Append(')');
        }

        message.Append(". Register ");
        AppendName(message, descriptor.ServiceType).Append(" as scoped, or isolate it with IsolateService(typeof(");
        AppendName(message, descriptor.ServiceType).Append(")) so each tenant builds its own.");
    }

    private static void AppendStep(StringBuilder message, Type service, Type? implementation)
    {
        AppendName(message, service);
        if (implementation is not null && implementation != service)
        {
            AppendName(message.Append('('), implementation).Append(')');
        }
    }

    /// <summary>A type's C# name without namespace: <c>IOptions&lt;MailOptions&gt;</c>.</summary>
    private static StringBuilder AppendName(StringBuilder message, Type type)
    {
        if (!type.IsGenericType)
        {
            return message.Append(type.Name);
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        message.Append(name, 0, tick < 0 ? name.Length : tick).Append('<');
        var arguments = type.GetGenericArguments();
        for (var i = 0; i < arguments.Length; i++)
        {
            AppendName(i == 0 ? message : message.Append(", "), arguments[i]);
        }

        return message.Append('>');
    }
}
