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
using Rendezvous.Server.Autodiscover;
using Rendezvous.Store;

namespace Rendezvous.Server;

/// <summary>A running server: the Kestrel host and its store. Used by `rdv serve` and by the tests.</summary>
public sealed class RendezvousServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private readonly NotificationHub notifications;
    private readonly HttpPushSender pushSender;
    private readonly IDisposable? serving;
    private readonly RequestLogSink? requestLog;
    private int disposed;

    private RendezvousServer(WebApplication app, IMailStore store, string dataPath, NotificationHub notifications, HttpPushSender pushSender, IDisposable? serving, RequestLogSink? requestLog)
    {
        this.requestLog = requestLog;
        this.app = app;
        this.serving = serving;
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

    /// <summary>The base URL the server gives out: <see cref="ServerOptions.PublicUrl"/>, else the first address listened on.</summary>
    public Uri PublicUrl => PublicBase(app.Services);

    /// <summary>The EWS endpoint as the server names it to clients (autodiscover).</summary>
    public string PublicEwsUrl => new Uri(PublicUrl, "EWS/Exchange.asmx").AbsoluteUri;

    public static async Task<RendezvousServer> StartAsync(ServerOptions options, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var listeners = Listeners.Check(options);
        var certificate = listeners.Any(l => l.Scheme == Uri.UriSchemeHttps) ? Listeners.LoadCertificate(options) : null;
        Operability.CheckNetworks(options.MetricsAllowedNetworks);
        if (options.HttpsRedirect)
        {
            _ = HttpsRedirect.Target(options, listeners);
        }

        var location = options.Store ?? new StoreLocation(StoreKind.Sqlite, options.DataDirectory);
        IDisposable? serving = null;
        IMailStore store;
        try
        {
            // A restore (rdv restore) refuses to replace a store a server holds: this is how it knows.
            serving = options.OpenStore is null && location.Kind == StoreKind.Sqlite ? SqliteBackup.HoldServing(location.DataDirectory) : null;
            store = options.OpenStore is { } open
                ? await open(cancellationToken)
                : await MailStores.OpenAsync(location, cancellationToken, options.MaxStoreBytes, options.Time);
        }
        catch (BackupException e)
        {
            throw new ServerStartException(e.Message);
        }
        catch
        {
            serving?.Dispose();
            throw;
        }

        var builder = WebApplication.CreateSlimBuilder();
        // Stopping (SIGTERM, Ctrl-C, DisposeAsync) stops accepting, then waits this long for the requests in flight.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        ConnectionGate? gate = null;
        builder.WebHost.UseUrls(options.Urls);
        if (certificate is not null)
        {
            // The slim builder leaves out Kestrel's https:// address support unless asked.
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

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
            if (certificate is not null)
            {
                // Kestrel's default protocols (HTTP/1.1 and HTTP/2) apply: HTTP/2 is chosen by ALPN where the client offers it.
                k.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
            }
        });
        builder.Logging.ClearProviders();
        if (logging is not null)
        {
            logging(builder.Logging);
        }
        else
        {
            if (options.JsonLog)
            {
                builder.Logging.AddJsonConsole();
            }
            else
            {
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            }

            // Warnings and errors; the request log's one line per request is the sink's (below).
            builder.Logging.SetMinimumLevel(LogLevel.Warning);

            // The accountable lines (issue 18 §5) are Information, and written whatever the minimum level.
            builder.Logging.AddFilter(typeof(AccessLog).FullName, LogLevel.Information);
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
        // The server's own console: its request lines are written in blocks by the sink, not one by one by the console
        // logger (issue 19 §6). A host's own logging gets them as log events.
        var requestLog = logging is null && options.RequestLog
            ? new RequestLogSink(options.RequestLogOutput, new RequestLogFormat(options.JsonLog, options.RequestLogOutput.Stream is null && !Console.IsOutputRedirected), options.Time, options.ShutdownTimeout)
            : null;
        builder.Services.AddOperability(options, requestLog);
        // Resolved at the first autodiscover request, once the addresses listened on are known (a port of 0). A wildcard
        // address (0.0.0.0, [::]) names no host a client can use: each request's own Host is given back instead.
        builder.Services.AddSingleton(sp => PublicBase(sp) is var url && Listeners.IsWildcard(url) ? new AutodiscoverBase(null) : new AutodiscoverBase(url));
        app = builder.Build();
        foreach (var insecure in listeners.Where(l => l.Scheme == Uri.UriSchemeHttp && !Listeners.IsLoopback(l)))
        {
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<RendezvousServer>().LogWarning(
                "Basic sign-in over plain HTTP on {Url} (--allow-insecure-basic): passwords cross the network in clear text", insecure);
        }

        var endpoint = app.Services.GetRequiredService<EwsEndpoint>();
        app.Use((http, next) => gate is null ? next(http) : gate.OnRequestAsync(http, next));
        app.UseHttpsRedirect(options, listeners);
        app.UseOperability(options);
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        // Note: DavMail posts to /ews/exchange.asmx whatever its URL says; route templates match case-insensitively.
        // Another method on the path gets routing's 405 with Allow: POST, before any sign-in.
        app.MapPost("/EWS/Exchange.asmx", endpoint.HandleAsync).RequireMailboxUser();
        app.MapAutodiscover();
        app.MapOperability();
        app.MapGet("/", () => Results.Text("Rendezvous EWS server. Endpoint: /EWS/Exchange.asmx\n"));
        await app.StartAsync(cancellationToken);
        notifications.Start();
        return new RendezvousServer(app, store, (store as SqliteMailStore)?.Path ?? location.Description, notifications, pushSender, serving, requestLog);
    }

    private static Uri PublicBase(IServiceProvider services)
    {
        var options = services.GetRequiredService<ServerOptions>();
        var text = options.PublicUrl ?? services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the server listens on no address");
        return Listeners.Base(text);
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
        // Last: every request has ended, so every line is in the sink.
        if (requestLog is not null)
        {
            await requestLog.DisposeAsync();
        }

        await Store.DisposeAsync();
        serving?.Dispose();
    }
}
