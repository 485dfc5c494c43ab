using System.Reflection;
using Xunit.Sdk;

namespace TenantKit.Tests.Runtime.Container;

/// <summary>
/// Runs every test of a specification suite (a class deriving from one of Microsoft's suites) in process, one fresh
/// instance per test and per row of a theory, and reports each test's outcome: null when it passes, else the
/// exception's type and message.
/// </summary>
internal static class SpecificationRun
{
    public static IEnumerable<KeyValuePair<string, string?>> Outcomes(Type suite)
    {
        foreach (var method in suite.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.GetCustomAttribute<FactAttribute>() is not { Skip: null } fact)
            {
                continue;
            }

            var name = $"{method.DeclaringType!.Name}.{method.Name}";
            if (fact is not TheoryAttribute)
            {
                yield return new(name, Run(suite, method, []));
                continue;
            }

            var rows = method.GetCustomAttributes<DataAttribute>().SelectMany(d => d.GetData(method)).ToArray();
            for (var i = 0; i < rows.Length; i++)
            {
                yield return new($"{name}#{i}", Run(suite, method, rows[i]));
            }
        }
    }

    private static string? Run(Type suite, MethodInfo method, object?[] arguments)
    {
        var instance = Activator.CreateInstance(suite)!;
        try
        {
            switch (method.Invoke(instance, arguments))
            {
                case Task task:
                    task.GetAwaiter().GetResult();
                    break;
                case ValueTask valueTask:
                    valueTask.GetAwaiter().GetResult();
                    break;
            }

            return null;
        }
        catch (Exception ex)
        {
            var failure = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            return $"{failure.GetType().Name}: {failure.Message}";
        }
        finally
        {
            (instance as IDisposable)?.Dispose();
        }
    }
}
