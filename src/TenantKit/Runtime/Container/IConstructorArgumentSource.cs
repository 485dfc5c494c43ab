namespace TenantKit.Runtime.Container;

/// <summary>
/// What <see cref="ConstructorSelector"/> asks of its caller about a constructor's parameters: the container plan
/// answers with how each argument is made, the start-up singleton check with the dependency it follows.
/// </summary>
/// <typeparam name="TArgument">What the caller keeps for each parameter of the chosen constructor.</typeparam>
internal interface IConstructorArgumentSource<TArgument>
{
    /// <summary>The argument for a parameter asking for <paramref name="service"/>, or false when nothing answers for it.</summary>
    /// <param name="implementation">The type being constructed (for messages).</param>
    /// <param name="service">The service the parameter asks for (with its key, for a keyed parameter).</param>
    /// <param name="argument">The argument.</param>
    bool TryGetService(Type implementation, ServiceId service, out TArgument argument);

    /// <summary>
    /// The argument for a <c>[ServiceKey]</c> parameter of a keyed service: <paramref name="key"/>, the key it is made
    /// for (made without a key, the parameter is an ordinary one).
    /// </summary>
    /// <param name="implementation">The type being constructed (for messages).</param>
    /// <param name="parameterType">The parameter's type.</param>
    /// <param name="key">The key.</param>
    TArgument GetServiceKey(Type implementation, Type parameterType, object key);

    /// <summary>The argument for a parameter nothing answers for: its default <paramref name="value"/>.</summary>
    /// <param name="parameterType">The parameter's type.</param>
    /// <param name="value">The default value.</param>
    TArgument GetDefault(Type parameterType, object? value);
}
