namespace TenantKit.MultiNode.Node.Hosting;

/// <summary>Per-tenant options bound from the tenant's properties <c>Greeting:*</c>: built with the tenant's container, so
/// a changed property shows only once the node has rebuilt the tenant.</summary>
public sealed class GreetingOptions
{
    public string Text { get; set; } = "hello";
}
