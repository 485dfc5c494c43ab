using Microsoft.AspNetCore.Identity;

namespace TenantKit.Samples.Saas.Identity;

/// <summary>A person of one tenant. The same e-mail address at another tenant is another person, with another password.</summary>
public sealed class SampleUser : IdentityUser;
