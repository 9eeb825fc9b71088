using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Rendezvous.Services;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>
/// What an operator's tools ask the server, none of it signed in: <c>/health/live</c> (the process answers),
/// <c>/health/ready</c> and <c>/health</c> (the store answers a trivial read in time, and the server is not stopping;
/// 503 otherwise), and <c>/metrics</c> (Prometheus text through OpenTelemetry, from the instruments of
/// <see cref="ServerMetrics"/>, <see cref="StoreMetrics"/>, <see cref="NotificationMetrics"/> and ASP.NET Core's own),
/// answered only to the networks of <see cref="ServerOptions.MetricsAllowedNetworks"/> (loopback by default).
/// </summary>
public static class Operability
{
    private const string ReadyTag = "ready";

    /// <summary>The paths of the probes, which the request log leaves out.</summary>
    public static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase);

    internal static IServiceCollection AddOperability(this IServiceCollection services, ServerOptions options, RequestLogSink? requestLog)
    {
        services.AddHealthChecks().AddCheck<StoreReadiness>("store", tags: [ReadyTag]);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ServerMetrics.MeterName, StoreMetrics.MeterName, NotificationMetrics.MeterName)
            // Kestrel's own: open connections and TLS handshakes. Not ASP.NET Core's hosting meter (requests by route and
            // status): our rdv.ews.requests already counts every request, and listening to it cost 18 us of CPU per GetItem
            // (97 against 115 us, docs/benchmarks.md "The cost of operability").
            .AddMeter("Microsoft.AspNetCore.Server.Kestrel")
            // Each scrape sees the numbers of that moment (the exporter caches a scrape's answer for 300 ms by default).
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        services.AddSingleton(sp => new RequestLogging(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>(), options.Time, requestLog));
        return services;
    }

    /// <summary>Before routing: the request log around everything, and /metrics refused (403) to other networks.</summary>
    internal static void UseOperability(this WebApplication app, ServerOptions options)
    {
        var logging = app.Services.GetRequiredService<RequestLogging>();
        app.Use((http, next) => logging.InvokeAsync(http, next));
        var allowed = options.MetricsAllowedNetworks.Select(IPNetwork.Parse).ToArray();
        app.Use((http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase) && !Allowed(http.Connection.RemoteIpAddress, allowed))
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            }

            return next(http);
        });
    }

    internal static void MapOperability(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        var ready = new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) };
        app.MapHealthChecks("/health/ready", ready);
        app.MapHealthChecks("/health", ready);
        app.MapPrometheusScrapingEndpoint("/metrics");
    }

    /// <summary>The networks (CIDR) <paramref name="text"/> names, checked at start: "10.0.0.0/8,::1/128".</summary>
    public static IReadOnlyList<string> CheckNetworks(IReadOnlyList<string> networks)
    {
        foreach (var network in networks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                throw new ServerStartException($"{network} is not a network (CIDR, such as 10.0.0.0/8 or ::1/128)");
            }
        }

        return networks;
    }

    private static bool Allowed(IPAddress? client, IPNetwork[] allowed)
    {
        if (client is null)
        {
            return false;
        }

        client = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        return allowed.Any(n => n.Contains(client));
    }

    /// <summary>Ready: not stopping, and the store answers a trivial read (a user lookup) within <see cref="ServerOptions.ReadinessTimeout"/>.</summary>
    private sealed class StoreReadiness(IMailStore store, ServerOptions options, IHostApplicationLifetime lifetime) : IHealthCheck
    {
        private const string Probe = "readiness-probe@rendezvous.invalid";

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("stopping");
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ReadinessTimeout);
            try
            {
                // WaitAsync: a store that ignores the token still cannot hold the probe past the timeout.
                await store.FindUserAsync(Probe, timeout.Token).WaitAsync(options.ReadinessTimeout, options.Time, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return HealthCheckResult.Unhealthy("the store did not answer in time");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy("the store failed: " + e.GetType().Name);
            }
        }
    }
}
