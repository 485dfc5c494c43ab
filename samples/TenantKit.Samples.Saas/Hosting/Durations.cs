using System.Globalization;

namespace TenantKit.Samples.Saas.Hosting;

/// <summary>Short human durations for the pages: <c>4 s</c>, <c>2 min 5 s</c>, <c>3 h 10 min</c>.</summary>
public static class Durations
{
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        var c = CultureInfo.InvariantCulture;
        if (span < TimeSpan.FromMinutes(1))
        {
            return string.Create(c, $"{(int)Math.Ceiling(span.TotalSeconds)} s");
        }

        if (span < TimeSpan.FromHours(1))
        {
            return span.Seconds == 0 ? string.Create(c, $"{(int)span.TotalMinutes} min") : string.Create(c, $"{(int)span.TotalMinutes} min {span.Seconds} s");
        }

        return span.Minutes == 0 ? string.Create(c, $"{(int)span.TotalHours} h") : string.Create(c, $"{(int)span.TotalHours} h {span.Minutes} min");
    }
}
