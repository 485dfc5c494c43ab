using Microsoft.AspNetCore.Mvc.Filters;

namespace TenantKit.Samples.Saas.Hosting;

/// <summary>
/// Answers 405 (with an <c>Allow</c> header; the status-code pages turn it into a problem document) when a page has no
/// handler for the request's method. Razor Pages would otherwise render the page without running any handler for
/// TRACE, PUT or DELETE, with its model never loaded.
/// </summary>
internal sealed class PageMethodFilter : IPageFilter
{
    public void OnPageHandlerSelected(PageHandlerSelectedContext context)
    {
    }

    public void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        var method = context.HttpContext.Request.Method;
        if (context.HandlerMethod is not null || HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            return;
        }

        var allowed = context.ActionDescriptor.HandlerMethods.Select(h => h.HttpMethod.ToUpperInvariant())
            .Append("GET").Append("HEAD").Distinct(StringComparer.Ordinal);
        context.HttpContext.Response.Headers.Allow = string.Join(", ", allowed);
        context.Result = new Microsoft.AspNetCore.Mvc.StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
    }

    public void OnPageHandlerExecuted(PageHandlerExecutedContext context)
    {
    }
}
