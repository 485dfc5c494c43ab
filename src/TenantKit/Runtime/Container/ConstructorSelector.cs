using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime.Container;

/// <summary>
/// Which constructor builds a type, by the rules of Microsoft.Extensions.DependencyInjection (checked by its
/// specification suites): with one public constructor, that one, every parameter required; with several, the longest
/// whose parameters can all be given, where a parameter with a default value can always be given, and a shorter one
/// that can also be given must take a subset of its parameter types (else the choice is ambiguous, an error).
/// </summary>
/// <remarks>
/// The one place these rules live: the tenant container plans with them (<see cref="ContainerPlan"/>), and the
/// start-up check of host singletons follows the same constructor (<see cref="HostSingletonCheck"/>), since the host's
/// Microsoft provider applies the same rules. Each asks its own question of a parameter through
/// <see cref="IConstructorArgumentSource{TArgument}"/>.
/// </remarks>
internal static class ConstructorSelector
{
    /// <summary>Chooses the constructor of <paramref name="implementation"/>, built under <paramref name="serviceKey"/>.</summary>
    /// <param name="implementation">The type to construct.</param>
    /// <param name="serviceKey">The key it is made for (its <c>[ServiceKey]</c> parameter gets it), null when unkeyed.</param>
    /// <param name="source">Answers for each parameter.</param>
    /// <param name="constructor">The chosen constructor.</param>
    /// <param name="arguments">What <paramref name="source"/> answered for each of its parameters.</param>
    /// <param name="error">Why no constructor can be chosen (Microsoft's provider's message).</param>
    /// <returns>Whether a constructor was chosen.</returns>
    public static bool TrySelect<TArgument>(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type implementation,
        object? serviceKey,
        IConstructorArgumentSource<TArgument> source,
        [NotNullWhen(true)] out ConstructorInfo? constructor,
        [NotNullWhen(true)] out TArgument[]? arguments,
        [NotNullWhen(false)] out string? error)
    {
        constructor = null;
        arguments = null;
        var constructors = implementation.GetConstructors();
        if (constructors.Length == 0)
        {
            error = $"A suitable constructor for type '{implementation}' could not be located. Ensure the type is concrete and all parameters of a public constructor are either registered as services or passed as arguments. Also ensure no extraneous arguments are provided.";
            return false;
        }

        if (constructors.Length == 1)
        {
            constructor = constructors[0];
            arguments = Arguments(implementation, constructor.GetParameters(), serviceKey, source, out var missing);
            error = missing is null ? null : $"Unable to resolve service for type '{missing}' while attempting to activate '{implementation}'.";
            return arguments is not null;
        }

        Array.Sort(constructors, (a, b) => b.GetParameters().Length.CompareTo(a.GetParameters().Length));
        HashSet<Type>? bestTypes = null;
        foreach (var candidate in constructors)
        {
            var parameters = candidate.GetParameters();
            if (Arguments(implementation, parameters, serviceKey, source, out _) is not { } candidateArguments)
            {
                continue;
            }

            if (constructor is null)
            {
                constructor = candidate;
                arguments = candidateArguments;
                continue;
            }

            // Visited longest first: a later match must take a subset of the best one's parameter types.
            bestTypes ??= [.. constructor.GetParameters().Select(p => p.ParameterType)];
            if (!bestTypes.IsSupersetOf(parameters.Select(p => p.ParameterType)))
            {
                error = string.Join(
                    Environment.NewLine,
                    $"Unable to activate type '{implementation}'. The following constructors are ambiguous:",
                    constructor,
                    candidate);
                constructor = null;
                arguments = null;
                return false;
            }
        }

        if (constructor is null || arguments is null)
        {
            error = $"No constructor for type '{implementation}' can be instantiated using services from the service container and default values.";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>
    /// What <paramref name="parameter"/> asks for when its type is built under <paramref name="serviceKey"/>: the
    /// service of its type (under the key its <see cref="FromKeyedServicesAttribute"/> names, inherits or clears), or,
    /// with <see cref="ServiceKeyAttribute"/> when there is a key, the key itself (<paramref name="isServiceKey"/>).
    /// </summary>
    public static ServiceId Dependency(ParameterInfo parameter, object? serviceKey, out bool isServiceKey)
    {
        isServiceKey = false;
        var type = parameter.ParameterType;
        foreach (var attribute in parameter.GetCustomAttributes(inherit: true))
        {
            if (attribute is ServiceKeyAttribute && serviceKey is not null)
            {
                // Made without a key, the parameter is an ordinary one (a service of its type, else its default), as
                // in Microsoft's provider.
                isServiceKey = true;
                return new ServiceId(type, serviceKey);
            }

            if (attribute is FromKeyedServicesAttribute fromKeyed)
            {
                return new ServiceId(type, fromKeyed.LookupMode switch
                {
                    ServiceKeyLookupMode.InheritKey => serviceKey,
                    ServiceKeyLookupMode.NullKey => null,
                    _ => fromKeyed.Key,
                });
            }
        }

        return new ServiceId(type, null);
    }

    /// <summary>
    /// The default value of <paramref name="parameter"/>, when it has one: converted to an enum parameter's type, and a
    /// value type's default when the metadata says null (<c>= default</c>) or cannot be read (a <see cref="DateTime"/>).
    /// </summary>
    public static bool TryGetDefault(ParameterInfo parameter, out object? value)
    {
        value = null;
        bool hasDefault;
        var readable = true;
        try
        {
            hasDefault = parameter.HasDefaultValue;
        }
        catch (FormatException) when (parameter.ParameterType == typeof(DateTime) || parameter.ParameterType == typeof(DateTime?))
        {
            // A DateTime default the metadata reader cannot give back: it is there, and read as default.
            hasDefault = true;
            readable = false;
        }

        if (!hasDefault)
        {
            return false;
        }

        var parameterType = parameter.ParameterType;
        value = readable ? parameter.DefaultValue : null;
        var underlying = Nullable.GetUnderlyingType(parameterType);
        if (value is null && parameterType.IsValueType && underlying is null)
        {
            value = DefaultOf(parameterType);
        }
        else if (value is not null && (underlying ?? parameterType) is { IsEnum: true } enumType && value.GetType() != enumType)
        {
            value = Enum.ToObject(enumType, value);
        }

        return true;
    }

    private static TArgument[]? Arguments<TArgument>(
        Type implementation, ParameterInfo[] parameters, object? serviceKey, IConstructorArgumentSource<TArgument> source, out Type? missing)
    {
        missing = null;
        var arguments = new TArgument[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            var dependency = Dependency(parameter, serviceKey, out var isServiceKey);
            if (isServiceKey)
            {
                arguments[i] = source.GetServiceKey(implementation, parameter.ParameterType, serviceKey!);
            }
            else if (source.TryGetService(implementation, dependency, out var argument))
            {
                arguments[i] = argument;
            }
            else if (TryGetDefault(parameter, out var value))
            {
                arguments[i] = source.GetDefault(parameter.ParameterType, value);
            }
            else
            {
                missing = parameter.ParameterType;
                return null;
            }
        }

        return arguments;
    }

    [UnconditionalSuppressMessage(
        "Trimming",
        "IL2067:UnrecognizedReflectionPattern",
        Justification = "Called only for a value type: its zeroed instance needs no constructor, so none has to be kept.")]
    private static object DefaultOf(Type valueType) => RuntimeHelpers.GetUninitializedObject(valueType);
}
