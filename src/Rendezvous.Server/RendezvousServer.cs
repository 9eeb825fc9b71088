using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rendezvous.Services;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>A running server: the Kestrel host and its store. Used by `rdv serve` and by the tests.</summary>
public sealed class RendezvousServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private readonly NotificationHub notifications;
    private readonly HttpPushSender pushSender;
    private int disposed;

    private RendezvousServer(WebApplication app, IMailStore store, string dataPath, NotificationHub notifications, HttpPushSender pushSender)
    {
        this.app = app;
        this.notifications = notifications;
        this.pushSender = pushSender;
        Store = store;
        DataPath = dataPath;
    }

    public IMailStore Store { get; }

    public string DataPath { get; }

    /// <summary>The host's services (its endpoints, the sign-in scheme), for a test or an embedding host to look at.</summary>
    public IServiceProvider Services => app.Services;

    public BasicAuthenticator Authenticator => app.Services.GetRequiredService<BasicAuthenticator>();

    /// <summary>The addresses Kestrel actually listens on (a port of 0 is resolved).</summary>
    public IReadOnlyList<string> Addresses =>
        [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];

    public string EwsUrl => Addresses[0].TrimEnd('/') + "/EWS/Exchange.asmx";

    public static async Task<RendezvousServer> StartAsync(ServerOptions options, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var store = await SqliteMailStore.OpenAsync(options.DataDirectory, cancellationToken, options.MaxStoreBytes, options.Time);
        var builder = WebApplication.CreateSlimBuilder();
        ConnectionGate? gate = null;
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.Limits.MaxRequestBytes;
            // Defect 4: idle or slow connections are dropped, and their number is bounded, in all and per client
            // (by the gate, which closes the idlest at the limit instead of refusing newcomers as Kestrel's own limit does).
            var c = options.Connections;
            k.Limits.KeepAliveTimeout = c.KeepAliveTimeout;
            k.Limits.RequestHeadersTimeout = c.RequestHeadersTimeout;
            k.Limits.MinRequestBodyDataRate = new MinDataRate(c.MinDataRate, c.MinDataRateGrace);
            k.Limits.MinResponseDataRate = new MinDataRate(c.MinDataRate, c.MinDataRateGrace);
            gate = new ConnectionGate(c, options.Time, k.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger<ConnectionGate>());
            k.ConfigureEndpointDefaults(listen => listen.Use(next => connection => gate.OnConnectionAsync(connection, next)));
        });
        builder.Logging.ClearProviders();
        if (logging is not null)
        {
            logging(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IMailStore>(store);
        // The kept recurring masters belong to this store: one for the host, none for the process.
        builder.Services.AddSingleton<SeriesCache>();
        builder.Services.AddSingleton<BasicAuthenticator>();
        builder.Services.AddMailboxSignIn(options.Realm);
        WebApplication? app = null;
        // The hub is made before the host (the endpoint takes it); it logs through the host's logging once there is one.
        var pushLog = new Lazy<ILogger>(() => app!.Services.GetRequiredService<ILoggerFactory>().CreateLogger<NotificationHub>());
        var pushSender = new HttpPushSender(options.Notifications);
        var notifications = new NotificationHub(store, options.Notifications, options.Time, pushSender,
            (message, e) => pushLog.Value.LogWarning(e, "{Message}", message));
        builder.Services.AddSingleton(notifications);
        builder.Services.AddSingleton<EwsEndpoint>();
        app = builder.Build();
        var endpoint = app.Services.GetRequiredService<EwsEndpoint>();
        app.Use((http, next) => gate is null ? next(http) : gate.OnRequestAsync(http, next));
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        // Note: DavMail posts to /ews/exchange.asmx whatever its URL says; route templates match case-insensitively.
        // Another method on the path gets routing's 405 with Allow: POST, before any sign-in.
        app.MapPost("/EWS/Exchange.asmx", endpoint.HandleAsync).RequireMailboxUser();
        app.MapGet("/", () => Results.Text("Rendezvous EWS server. Endpoint: /EWS/Exchange.asmx\n"));
        await app.StartAsync(cancellationToken);
        notifications.Start();
        return new RendezvousServer(app, store, (store as SqliteMailStore)?.Path ?? options.DataDirectory, notifications, pushSender);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // Once: a test that stops the server to see what its clients are told disposes it again when it ends.
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await app.StopAsync();
        await notifications.DisposeAsync();
        pushSender.Dispose();
        await app.DisposeAsync();
        await Store.DisposeAsync();
    }
}
