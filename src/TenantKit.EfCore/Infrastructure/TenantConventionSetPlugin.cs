using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>Adds <see cref="TenantModelConvention"/> to every model a TenantKit context builds.</summary>
internal sealed class TenantConventionSetPlugin(TenantDbContextState state, ICurrentDbContext current) : IConventionSetPlugin
{
    public ConventionSet ModifyConventions(ConventionSet conventionSet)
    {
        var mode = state.ChooseMode();
        conventionSet.ModelFinalizingConventions.Insert(
            0, new TenantModelConvention(mode, state.Location.Schema, current.Context.Database.ProviderName, state.ContextName));
        return conventionSet;
    }
}
