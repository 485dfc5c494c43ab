using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// What the query filters call. A filter holds <c>CurrentTenantId(context)</c> where <c>context</c> is a typed null
/// constant of type <see cref="DbContext"/>: EF Core replaces any DbContext-typed constant in a filter with the
/// context running the query, and turns the call into a parameter evaluated at every execution. So the cached model
/// holds no tenant value, the SQL holds a parameter, and the tenant is the one current when the query runs.
/// </summary>
internal static class TenantFilterFunctions
{
    private static readonly MethodInfo CurrentTenantIdMethod = typeof(TenantFilterFunctions).GetMethod(nameof(CurrentTenantId))!;
    private static readonly MethodInfo HostScopeMethod = typeof(TenantFilterFunctions).GetMethod(nameof(HostScope))!;
    private static readonly MethodInfo PropertyMethod = typeof(EF).GetMethod(nameof(EF.Property))!.MakeGenericMethod(typeof(string));

    /// <summary>The current tenant's id for <paramref name="context"/>, read now; throws when there is none.</summary>
    public static string CurrentTenantId(DbContext context) => State(context).TenantIdForQuery();

    /// <summary><see langword="true"/> while a host scope is current; throws otherwise.</summary>
    public static bool HostScope(DbContext context) => State(context).HostScopeForQuery();

    public static TenantDbContextState State(DbContext context) => context.GetService<TenantDbContextState>();

    /// <summary><c>e => EF.Property&lt;string&gt;(e, "TenantId") == CurrentTenantId(context)</c>.</summary>
    public static LambdaExpression TenantFilter(Type entityType, string propertyName)
    {
        var entity = Expression.Parameter(entityType, "e");
        var column = Expression.Call(PropertyMethod, entity, Expression.Constant(propertyName));
        var tenant = Expression.Call(CurrentTenantIdMethod, Expression.Constant(null, typeof(DbContext)));
        return Expression.Lambda(Expression.Equal(column, tenant), entity);
    }

    /// <summary><c>e => HostScope(context)</c>: no row filter, only the guard that the host scope is still current.</summary>
    public static LambdaExpression HostFilter(Type entityType)
    {
        var entity = Expression.Parameter(entityType, "e");
        return Expression.Lambda(Expression.Call(HostScopeMethod, Expression.Constant(null, typeof(DbContext))), entity);
    }
}
