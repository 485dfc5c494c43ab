using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>
/// Reads a <see cref="ServiceDescriptor"/> the same way whether it is keyed or not, and refuses at plan time what
/// Microsoft's provider refuses when it is built.
/// </summary>
internal static class Descriptors
{
    /// <summary>The instance given at registration, or null.</summary>
    public static object? Instance(ServiceDescriptor d)
        => d.IsKeyedService ? d.KeyedImplementationInstance : d.ImplementationInstance;

    /// <summary>Whether the registration is a factory.</summary>
    public static bool HasFactory(ServiceDescriptor d)
        => d.IsKeyedService ? d.KeyedImplementationFactory is not null : d.ImplementationFactory is not null;

    /// <summary>
    /// The implementation type, or null for an instance or a factory. Its public constructors are kept by trimming:
    /// the descriptor's property carries the annotation the registration methods put on their type arguments.
    /// </summary>
    [return: DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    public static Type? Implementation(ServiceDescriptor d)
        => d.IsKeyedService ? d.KeyedImplementationType : d.ImplementationType;

    /// <summary>Refuses what Microsoft's provider refuses when it is built.</summary>
    /// <exception cref="ArgumentException">The registration can never be made.</exception>
    public static void Check(ServiceDescriptor d)
    {
        var implementation = Implementation(d);
        if (d.ServiceType.IsGenericTypeDefinition)
        {
            if (implementation is null || !implementation.IsGenericTypeDefinition)
            {
                throw new ArgumentException(
                    $"Open generic service type '{d.ServiceType}' requires registering an open generic implementation type.", "descriptors");
            }

            if (implementation.IsAbstract || implementation.IsInterface)
            {
                throw new ArgumentException($"Cannot instantiate implementation type '{implementation}' for service type '{d.ServiceType}'.");
            }

            if (d.ServiceType.GetGenericArguments().Length != implementation.GetGenericArguments().Length)
            {
                throw new ArgumentException(
                    $"Arity of open generic service type '{d.ServiceType}' does not equal arity of open generic implementation type '{implementation}'.", "descriptors");
            }

            if (ServiceTypes.VerifyOpenGenericTrimmability)
            {
                ServiceTypes.VerifyTrimmingAnnotations(d.ServiceType, implementation);
            }
        }
        else if (implementation is not null
            && (implementation.IsGenericTypeDefinition || implementation.IsAbstract || implementation.IsInterface))
        {
            throw new ArgumentException($"Cannot instantiate implementation type '{implementation}' for service type '{d.ServiceType}'.");
        }
    }
}
