using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;

namespace TenantKit.EfCore.Infrastructure;

/// <summary>
/// Looks at each query when EF Core compiles it (once per query shape) and refuses two ways around the tenant filter:
/// <c>IgnoreQueryFilters()</c> without names (or naming the tenant filter), and <c>ExecuteUpdate</c> setting the tenant
/// column. The refusal does not depend on the tenant or the host, so caching the compiled query is safe.
/// </summary>
internal sealed class TenantQueryExpressionInterceptor : IQueryExpressionInterceptor
{
    public Expression QueryCompilationStarting(Expression queryExpression, QueryExpressionEventData eventData)
    {
        if (eventData.Context is { } context && context.Model.FindAnnotation(TenantModelConvention.ModelAnnotation) is not null)
        {
            new Inspector(context).Visit(queryExpression);
        }

        return queryExpression;
    }

    private sealed class Inspector(DbContext context) : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (node.Method.DeclaringType == typeof(EntityFrameworkQueryableExtensions))
            {
                switch (node.Method.Name)
                {
                    case nameof(EntityFrameworkQueryableExtensions.IgnoreQueryFilters) when node.Arguments.Count == 1:
                        throw Refuse("IgnoreQueryFilters() without names would lift TenantKit's tenant filter, which only a host scope may do. Name the filters to ignore: IgnoreQueryFilters([\"SoftDelete\"]).");
                    case nameof(EntityFrameworkQueryableExtensions.IgnoreQueryFilters) when Evaluate(node.Arguments[1]) is IEnumerable<string> names && names.Contains(TenantQueryFilter.Name):
                        throw Refuse($"The query ignores the tenant filter '{TenantQueryFilter.Name}', which only a host scope may lift.");
                    case nameof(EntityFrameworkQueryableExtensions.ExecuteUpdate) or nameof(EntityFrameworkQueryableExtensions.ExecuteUpdateAsync):
                        CheckSetters(node.Arguments[1]);
                        break;
                }
            }

            return base.VisitMethodCall(node);
        }

        private void CheckSetters(Expression setters)
        {
            if (setters is not NewArrayExpression array)
            {
                return;
            }

            foreach (var setter in array.Expressions)
            {
                if (setter is NewExpression { Arguments.Count: > 0 } tuple && Unwrap(tuple.Arguments[0]) is { } selector
                    && PropertyName(selector.Body) is { } property
                    && IsTenantProperty(selector.Parameters[0].Type, property))
                {
                    throw Refuse($"ExecuteUpdate sets the tenant column '{property}'; a row never moves to another tenant.");
                }
            }
        }

        private bool IsTenantProperty(Type clrType, string property)
        {
            foreach (var entityType in context.Model.GetEntityTypes())
            {
                if (entityType.ClrType.IsAssignableFrom(clrType)
                    && entityType.GetRootType().FindAnnotation(TenantQueryFilter.PropertyAnnotation)?.Value is string name
                    && string.Equals(name, property, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        private static LambdaExpression? Unwrap(Expression expression) => expression switch
        {
            UnaryExpression { NodeType: ExpressionType.Quote, Operand: LambdaExpression lambda } => lambda,
            LambdaExpression lambda => lambda,
            ConstantExpression { Value: LambdaExpression lambda } => lambda,
            _ => null,
        };

        private static string? PropertyName(Expression body) => body switch
        {
            UnaryExpression { NodeType: ExpressionType.Convert } convert => PropertyName(convert.Operand),
            MemberExpression member => member.Member.Name,
            MethodCallExpression { Method.Name: nameof(EF.Property) } call when call.Method.DeclaringType == typeof(EF)
                && call.Arguments[1] is ConstantExpression { Value: string name } => name,
            _ => null,
        };

        private static object? Evaluate(Expression expression) => expression switch
        {
            ConstantExpression constant => constant.Value,
            _ => Expression.Lambda<Func<object?>>(Expression.Convert(expression, typeof(object))).Compile(preferInterpretation: true)(),
        };

        private CrossTenantAccessException Refuse(string message)
        {
            var state = TenantFilterFunctions.State(context);
            Log.Refused(state.Logger, state.ContextName, message);
            return new CrossTenantAccessException(message);
        }
    }
}
