namespace TenantKit;

/// <summary>The messages of TenantKit's <c>RequiresUnreferencedCode</c> and <c>RequiresDynamicCode</c> attributes.</summary>
internal static class TrimmingMessages
{
    /// <summary>Why binding configuration to an options type by reflection is not trim-safe.</summary>
    public const string BindingUnreferencedCode =
        "Binds the options type by reflection over its members, which trimming may remove (those of its nested types and collections too). " +
        "Set the options in code with ConfigureTenantOptions instead, or keep the members the binding needs.";

    /// <summary>Why binding configuration to an options type by reflection may need dynamic code.</summary>
    public const string BindingDynamicCode =
        "Binding configuration by reflection may create generic collections and arrays of the options' member types at run time, whose native code " +
        "may not exist under native AOT. Set the options in code with ConfigureTenantOptions instead.";
}
