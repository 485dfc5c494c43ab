using System.Globalization;
using System.Text;

namespace TenantKit.Scale;

/// <summary>Simple SVG line charts of samples.csv, written without any library.</summary>
public static class Charts
{
    private const int Width = 820;
    private const int Height = 300;
    private const int Left = 64;
    private const int Right = 190;
    private const int Top = 34;
    private const int Bottom = 40;
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Redraws the charts of an earlier run from its samples.csv and summary.json.</summary>
    public static void Redraw(ScaleOptions options)
    {
        var lines = File.ReadAllLines(Path.Combine(options.Output, "samples.csv"));
        var samples = new List<Sample>();
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            double D(int i) => double.Parse(f[i], C);
            samples.Add(new Sample(f[0], f[1], D(2), (long)D(3), D(4), (long)D(5), D(6), D(7), D(8), D(9), D(10), D(11), (int)D(12), (int)D(13), (int)D(14), (int)D(15), D(16), D(17), f.Length > 18 ? D(18) : 0, f.Length > 19 ? D(19) : 0));
        }

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(options.Output, "summary.json")));
        options.Capacity = json.RootElement.GetProperty("Capacity").GetInt32();
        var phases = json.RootElement.GetProperty("Phases").EnumerateArray()
            .Select(p => new PhaseResult(
                p.GetProperty("Variant").GetString()!, p.GetProperty("Phase").GetString()!, p.GetProperty("StartSecond").GetDouble(),
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null))
            .ToList();
        Write(options, samples, phases);
    }

    internal static void Write(ScaleOptions options, List<Sample> samples, List<PhaseResult> phases)
    {
        var variants = samples.Select(s => s.Variant).Distinct().ToList();
        Line(Path.Combine(options.Output, "resident.svg"), "Resident tenants (TenantKit)", "tenants", phases,
            [.. variants.Where(v => v != "bare").Select(v => Series($"{v} resident", "#1f77b4", samples, v, s => s.Resident))],
            [(options.Capacity, $"capacity {options.Capacity:N0}")]);
        Line(Path.Combine(options.Output, "churn.svg"), "Builds and unloads per second (TenantKit)", "per second", phases,
            [.. variants.Where(v => v != "bare").SelectMany(v => new[]
            {
                Series($"{v} builds/s", "#2ca02c", samples, v, s => s.BuildsPerSecond),
                Series($"{v} unloads/s", "#d62728", samples, v, s => s.UnloadsPerSecond),
            })],
            []);
        Line(Path.Combine(options.Output, "memory.svg"), "Server memory", "MB", phases,
            [.. variants.SelectMany(v => new[]
            {
                Series($"{v} working set", Color(v, false), samples, v, s => s.WorkingSetMb),
                Series($"{v} GC committed", v == "bare" ? "#bcbd22" : "#ff7f0e", samples, v, s => s.GcCommittedMb),
                Series($"{v} managed heap", Color(v, true), samples, v, s => s.ManagedHeapMb),
            })],
            []);
        Line(Path.Combine(options.Output, "latency.svg"), "p99 latency per second", "ms", phases,
            [.. variants.Select(v => Series($"{v} p99", Color(v, false), samples, v, s => s.P99Ms))], []);
        Line(Path.Combine(options.Output, "throughput.svg"), "Throughput", "requests/s", phases,
            [.. variants.Select(v => Series($"{v}", Color(v, false), samples, v, s => s.Rps))], []);
    }

    private static string Color(string variant, bool light) => (variant, light) switch
    {
        ("bare", false) => "#7f7f7f",
        ("bare", true) => "#c7c7c7",
        (_, false) => "#1f77b4",
        (_, true) => "#9ecae1",
    };

    private static (string Name, string Color, List<(double X, double Y)> Points) Series(
        string name, string color, List<Sample> samples, string variant, Func<Sample, double> value)
    {
        // Seconds on the variant's own clock, which its phases' start seconds use too.
        return (name, color, [.. samples.Where(s => s.Variant == variant).Select(s => (s.Second, value(s)))]);
    }

    private static void Line(
        string path,
        string title,
        string unit,
        List<PhaseResult> phases,
        List<(string Name, string Color, List<(double X, double Y)> Points)> series,
        List<(double Y, string Label)> references)
    {
        var maxX = Math.Max(1, series.SelectMany(s => s.Points).Select(p => p.X).DefaultIfEmpty(1).Max());
        var maxY = series.SelectMany(s => s.Points).Select(p => p.Y).Concat(references.Select(r => r.Y)).DefaultIfEmpty(1).Max();
        maxY = NiceCeiling(maxY <= 0 ? 1 : maxY * 1.05);
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double X(double x) => Left + (x / maxX * plotW);
        double Y(double y) => Top + plotH - (y / maxY * plotH);

        var svg = new StringBuilder();
        svg.Append(C, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.Append(C, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(C, $"<text x=\"{Left}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{Escape(title)}</text>\n");
        for (var i = 0; i <= 5; i++)
        {
            var y = maxY * i / 5;
            svg.Append(C, $"<line x1=\"{Left}\" y1=\"{Y(y):0.0}\" x2=\"{Left + plotW}\" y2=\"{Y(y):0.0}\" stroke=\"#eeeeee\"/>\n");
            svg.Append(C, $"<text x=\"{Left - 6}\" y=\"{Y(y) + 4:0.0}\" text-anchor=\"end\">{y.ToString(y >= 100 ? "N0" : "0.##", C)}</text>\n");
        }

        var stepX = NiceCeiling(maxX / 8);
        for (var x = 0.0; x <= maxX; x += stepX)
        {
            svg.Append(C, $"<text x=\"{X(x):0.0}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{x:0}</text>\n");
        }

        svg.Append(C, $"<text x=\"{Left + (plotW / 2)}\" y=\"{Height - 6}\" text-anchor=\"middle\">seconds since the variant's load started</text>\n");
        svg.Append(C, $"<text x=\"14\" y=\"{Top + (plotH / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {Top + (plotH / 2)})\">{Escape(unit)}</text>\n");
        svg.Append(C, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#999999\"/>\n");

        // Where each variant's hot and churn phases start (their warm-ups take different times).
        foreach (var phase in phases.Where(p => p.Phase != "warmup"))
        {
            var x = X(phase.StartSecond);
            var color = Color(phase.Variant, false);
            svg.Append(C, $"<line x1=\"{x:0.0}\" y1=\"{Top}\" x2=\"{x:0.0}\" y2=\"{Top + plotH}\" stroke=\"{color}\" stroke-dasharray=\"3,3\"/>\n");
            svg.Append(C, $"<text x=\"{x + 3:0.0}\" y=\"{(phase.Variant == "bare" ? Top + plotH - 6 : Top + 12)}\" fill=\"{color}\">{phase.Phase} ({phase.Variant})</text>\n");
        }

        foreach (var (y, label) in references)
        {
            svg.Append(C, $"<line x1=\"{Left}\" y1=\"{Y(y):0.0}\" x2=\"{Left + plotW}\" y2=\"{Y(y):0.0}\" stroke=\"#d62728\" stroke-dasharray=\"6,3\"/>\n");
            svg.Append(C, $"<text x=\"{Left + plotW - 4}\" y=\"{Y(y) - 4:0.0}\" text-anchor=\"end\" fill=\"#d62728\">{Escape(label)}</text>\n");
        }

        var legendY = Top + 10;
        foreach (var (name, color, points) in series)
        {
            if (points.Count > 0)
            {
                svg.Append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").Append(color).Append("\" points=\"");
                foreach (var (x, y) in points)
                {
                    svg.Append(C, $"{X(x):0.0},{Y(y):0.0} ");
                }

                svg.Append("\"/>\n");
            }

            svg.Append(C, $"<line x1=\"{Left + plotW + 10}\" y1=\"{legendY - 4}\" x2=\"{Left + plotW + 28}\" y2=\"{legendY - 4}\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            svg.Append(C, $"<text x=\"{Left + plotW + 32}\" y=\"{legendY}\">{Escape(name)}</text>\n");
            legendY += 16;
        }

        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
