using TenantKit.Scale;

// dotnet run -c Release --project benchmarks/TenantKit.Scale -- [options]      drives both variants, writes CSV, SVG, summary
// TenantKit.Scale serve --variant bare|tenantkit --tenants N --capacity C      the server (started by the driver)
if (args.Length > 0 && args[0] == "serve")
{
    return await ScaleServer.RunAsync(ScaleOptions.Parse(args.AsSpan(1)));
}

// TenantKit.Scale proxy --target http://127.0.0.1:PORT                          a YARP proxy (started by the driver with --proxy true)
if (args.Length == 3 && args[0] == "proxy" && args[1] == "--target")
{
    return await ScaleProxy.RunAsync(args[2]);
}

// TenantKit.Scale charts --out DIR                                                 redraws the charts of a run in DIR
if (args.Length > 0 && args[0] == "charts")
{
    Charts.Redraw(ScaleOptions.Parse(args.AsSpan(1)));
    return 0;
}

// TenantKit.Scale affinity --tenants 10000 --seconds 60 --postgres "Host=..."          three node processes behind a YARP
//                                                                                  proxy, with and without tenant affinity
if (args.Length > 0 && args[0] == "affinity")
{
    return await AffinityRun.RunAsync(args.AsMemory(1));
}

return await ScaleDriver.RunAsync(ScaleOptions.Parse(args));
