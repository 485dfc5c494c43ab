using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>
/// What the container knows of types on its own: the services every container answers for, enumerables, and closing
/// an open generic implementation, with the checks that make the last two safe under trimming and native AOT.
/// </summary>
internal static class ServiceTypes
{
    /// <summary>
    /// The switch the .NET SDK turns on when an application is published trimmed
    /// (<c>VerifyDependencyInjectionOpenGenericServiceTrimmability</c>, on by default with <c>PublishTrimmed</c>):
    /// Microsoft's provider then checks open generic registrations, and tenant containers do the same.
    /// </summary>
    public static bool VerifyOpenGenericTrimmability { get; } =
        AppContext.TryGetSwitch("Microsoft.Extensions.DependencyInjection.VerifyOpenGenericServiceTrimmability", out var verify) && verify;

    /// <summary>
    /// Without dynamic code (native AOT) there may be no native code for a generic type or an array made at run time
    /// over a value type, so the container refuses those when it plans them, rather than failing later at random.
    /// </summary>
    public static bool VerifyAotCompatibility => !RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>The services every container answers for itself.</summary>
    public static bool IsBuiltIn(Type type)
        => type == typeof(IServiceProvider)
            || type == typeof(IServiceScopeFactory)
            || type == typeof(IServiceProviderIsService)
            || type == typeof(IServiceProviderIsKeyedService);

    /// <summary>Whether <paramref name="type"/> is <c>IEnumerable&lt;T&gt;</c>, and its <paramref name="element"/> type.</summary>
    public static bool IsEnumerable(Type type, out Type element)
    {
        if (type.IsConstructedGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            element = type.GenericTypeArguments[0];
            return true;
        }

        element = type;
        return false;
    }

    /// <summary>Refuses, without dynamic code, an enumerable of a value type (its array may have no native code).</summary>
    public static void CheckEnumerableElement(Type element)
    {
        if (VerifyAotCompatibility && element.IsValueType)
        {
            throw new InvalidOperationException(
                $"Unable to create an enumerable of '{element}': it is a value type, and without dynamic code (native AOT) the code for its array may not exist.");
        }
    }

    /// <summary>
    /// The open generic <paramref name="definition"/> closed over <paramref name="arguments"/> (the arguments of the
    /// closed service type asked for), or null when the arguments break its constraints.
    /// </summary>
    /// <exception cref="InvalidOperationException">Without dynamic code, an argument is a value type.</exception>
    [UnconditionalSuppressMessage(
        "Trimming",
        "IL2055:MakeGenericType",
        Justification = "The definition's public constructors are kept by the registration's annotation, and a closed type has the same ones. " +
            "Annotations on the definition's generic parameters are checked against the service type's when the application is published trimmed " +
            "(VerifyOpenGenericTrimmability, as Microsoft's provider does), so whoever named the closed service type kept what they need.")]
    [UnconditionalSuppressMessage(
        "AOT",
        "IL3050:RequiresDynamicCode",
        Justification = "Without dynamic code every argument is checked to be a reference type first; instantiations over reference types share " +
            "their definition's canonical native code.")]
    [return: DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    public static Type? TryClose(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type definition,
        Type[] arguments)
    {
        if (VerifyAotCompatibility)
        {
            foreach (var argument in arguments)
            {
                if (argument.IsValueType)
                {
                    throw new InvalidOperationException(
                        $"Unable to create a generic service for '{definition}' over '{argument}': it is a value type, and without dynamic code (native AOT) the code for it may not exist.");
                }
            }
        }

        try
        {
            return definition.MakeGenericType(arguments);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Refuses an open generic registration whose implementation's type parameters ask trimming to keep more than the
    /// service type's parameters promise (a <c>new()</c> constraint counts as keeping the public parameterless constructor).
    /// </summary>
    /// <exception cref="ArgumentException">The implementation asks for more than the service type promises.</exception>
    public static void VerifyTrimmingAnnotations(Type serviceDefinition, Type implementationDefinition)
    {
        var services = serviceDefinition.GetGenericArguments();
        var implementations = implementationDefinition.GetGenericArguments();
        for (var i = 0; i < implementations.Length && i < services.Length; i++)
        {
            var needed = Kept(implementations[i]);
            var promised = Kept(services[i]);
            if ((needed & ~promised) != DynamicallyAccessedMemberTypes.None
                && (promised & DynamicallyAccessedMemberTypes.All) != DynamicallyAccessedMemberTypes.All)
            {
                throw new ArgumentException(
                    $"Generic parameter '{implementations[i].Name}' of implementation type '{implementationDefinition}' keeps members ({needed}) " +
                    $"its service type '{serviceDefinition}' does not promise ({promised}): trimming may remove what it needs.");
            }
        }
    }

    private static DynamicallyAccessedMemberTypes Kept(Type genericParameter)
    {
        var kept = genericParameter.GetCustomAttribute<DynamicallyAccessedMembersAttribute>()?.MemberTypes ?? DynamicallyAccessedMemberTypes.None;
        if ((genericParameter.GenericParameterAttributes & GenericParameterAttributes.DefaultConstructorConstraint) != 0)
        {
            kept |= DynamicallyAccessedMemberTypes.PublicParameterlessConstructor;
        }

        return kept;
    }
}
