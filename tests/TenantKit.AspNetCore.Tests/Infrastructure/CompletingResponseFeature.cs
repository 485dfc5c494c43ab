using Microsoft.AspNetCore.Http.Features;

namespace TenantKit.AspNetCore.Tests.Infrastructure;

/// <summary>A response feature that runs its OnCompleted callbacks when told, as servers do.</summary>
internal sealed class CompletingResponseFeature : HttpResponseFeature
{
    private readonly List<(Func<object, Task> Callback, object State)> _completed = [];

    public override void OnCompleted(Func<object, Task> callback, object state) => _completed.Add((callback, state));

    public async Task CompleteAsync()
    {
        for (var i = _completed.Count - 1; i >= 0; i--)
        {
            await _completed[i].Callback(_completed[i].State);
        }

        _completed.Clear();
    }
}
